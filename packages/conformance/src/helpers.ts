import { randomUUID } from 'node:crypto';
import type { Delivery, TransportMessage } from '@tq/core';

/**
 * Small helpers for an adapter's own tests (beside the suites): a message with a text body, the text of a
 * delivery, and taking N deliveries from a consumer with a deadline.
 */
export function testMessage(text: string, extra: Partial<TransportMessage> = {}): TransportMessage {
  return {
    body: new TextEncoder().encode(text),
    contentType: 'application/json',
    contentEncoding: 'utf-8',
    headers: { id: randomUUID(), task: 'tests.echo' },
    properties: { correlationId: randomUUID(), deliveryMode: 2 },
    ...extra,
  };
}

export function bodyText(delivery: { message: TransportMessage }): string {
  return new TextDecoder().decode(delivery.message.body);
}

/** Takes `count` items (deliveries are not settled) or fails after `timeoutMs`. */
export async function takeDeliveries<T = Delivery>(iterator: AsyncIterator<T>, count: number, timeoutMs = 5000): Promise<T[]> {
  const out: T[] = [];
  const deadline = Date.now() + timeoutMs;
  while (out.length < count) {
    const left = deadline - Date.now();
    if (left <= 0) throw new Error(`took ${out.length} of ${count} within ${timeoutMs} ms`);
    let timer: NodeJS.Timeout | undefined;
    const next = await Promise.race([
      iterator.next(),
      new Promise<'timeout'>((resolve) => {
        timer = setTimeout(() => resolve('timeout'), left);
      }),
    ]);
    clearTimeout(timer);
    if (next === 'timeout') throw new Error(`took ${out.length} of ${count} within ${timeoutMs} ms`);
    if (next.done) throw new Error(`the iterator ended after ${out.length} of ${count}`);
    out.push(next.value);
  }
  return out;
}
