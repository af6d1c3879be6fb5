import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Delivery } from '@tq/core';

/** A fresh directory for database files; `cleanup()` removes it with everything in it. */
export function tempDatabase(): { dir: string; file: string; url: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'tq-sqlite-'));
  const file = join(dir, 'tq.db');
  return { dir, file, url: `sqlite://${file}`, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

export { bodyText as text, takeDeliveries as take, testMessage as message } from '@tq/conformance';

/** Resolves with the next delivery, or undefined if none arrives within `ms`. */
export async function nextWithin(iterator: AsyncIterator<Delivery>, ms: number): Promise<Delivery | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const result = await Promise.race([
    iterator.next(),
    new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), ms);
    }),
  ]);
  clearTimeout(timer);
  if (result === 'timeout' || result.done) return undefined;
  return result.value;
}
