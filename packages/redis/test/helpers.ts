import type { TqError } from '@tq/core';
import { Redis } from 'ioredis';
import { serviceAvailable, uniqueName } from '../../../tooling/test-support/services.js';
import { RedisTransport, type RedisTransportOptions } from '../src/index.js';

export const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379/0';
export const redisUp = await serviceAvailable('redis', '127.0.0.1', 6379);
export { uniqueName };

/** A key prefix no other test (or run) uses; `dropPrefix` deletes everything under it. */
export function uniquePrefix(label: string): string {
  return `${uniqueName(label)}.`;
}

/** A plain client for inspecting and arranging keys in tests. */
export function rawClient(url = REDIS_URL): Redis {
  return new Redis(url, { lazyConnect: false, maxRetriesPerRequest: 1 });
}

/** Deletes every key under a prefix (SCAN + DEL; never FLUSHDB on the shared server). */
export async function dropPrefix(client: Redis, prefix: string): Promise<number> {
  let cursor = '0';
  let deleted = 0;
  const pattern = `${prefix.replace(/[*?[\]\\]/g, '\\$&')}*`;
  do {
    const [next, keys] = await client.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
    cursor = next;
    if (keys.length > 0) deleted += await client.del(...keys);
  } while (cursor !== '0');
  return deleted;
}

export { bodyText as text, takeDeliveries as take, testMessage as message } from '@tq/conformance';

/** Resolves true when `iterator` yields nothing within `ms` (its pending next() is left running). */
export async function nothingWithin<T>(
  iterator: AsyncIterator<T>,
  ms: number,
): Promise<{ quiet: boolean; pending: Promise<IteratorResult<T>> }> {
  const pending = iterator.next();
  const winner = await Promise.race([
    pending.then(() => 'value' as const),
    new Promise<'quiet'>((resolve) => setTimeout(() => resolve('quiet'), ms)),
  ]);
  return { quiet: winner === 'quiet', pending };
}

export interface TestTransport {
  transport: RedisTransport;
  errors: TqError[];
}

/** A transport on the shared server under its own key prefix, collecting what it reports. */
export function testTransport(
  prefix: string,
  options: Omit<RedisTransportOptions, 'keyPrefix' | 'onError'> = {},
): TestTransport {
  const errors: TqError[] = [];
  const transport = new RedisTransport({
    url: REDIS_URL,
    keyPrefix: prefix,
    onError: (error) => errors.push(error),
    ...options,
  });
  return { transport, errors };
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

export async function waitUntil(
  what: string,
  check: () => boolean | Promise<boolean>,
  timeoutMs = 5000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`${what}: not true within ${timeoutMs} ms`);
    await sleep(20);
  }
}
