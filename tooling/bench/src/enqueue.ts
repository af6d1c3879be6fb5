import { type App, encodeTaskMessage, newTaskId, type PublishItem, type Transport } from '@tq/core';
import { BENCH_TASK } from './bench-app.js';

export const BATCH = 1000;

/**
 * N messages through `transport.publishBatch`, BATCH per call: each message is what `add.delay(i, i)` sends
 * (protocol v2, JSON), encoded inside the timed region: the transport's batch path under the same message, without
 * the app's per-call planning that `delayMany` adds.
 */
export async function publishInBatches(app: App, queue: string, n: number): Promise<void> {
  const serializer = app.serializers.require('json');
  const transport = app.transport;
  for (let start = 0; start < n; start += BATCH) {
    const items: PublishItem[] = [];
    for (let i = start; i < Math.min(n, start + BATCH); i++) {
      const message = encodeTaskMessage({ id: newTaskId(), task: BENCH_TASK, args: [i, i], origin: app.origin, replyTo: app.oid }, { serializer });
      items.push({ message, options: { queue } });
    }
    await transport.publishBatch(items);
  }
}

/** Waits until the broker reports `expected` ready messages; returns how long that took (ms). */
export async function waitForSize(transport: Transport, queue: string, expected: number, timeoutMs = 60_000): Promise<number> {
  const started = performance.now();
  for (;;) {
    const size = await transport.size(queue);
    if (size === expected) return performance.now() - started;
    if (performance.now() - started > timeoutMs) throw new Error(`queue ${queue} holds ${size} messages, expected ${expected} (after ${timeoutMs} ms)`);
    await new Promise((resolve) => setTimeout(resolve, size > expected ? 20 : 1));
  }
}
