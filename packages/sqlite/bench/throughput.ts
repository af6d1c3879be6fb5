/**
 * Throughput of the SQLite transport on this machine (not a test: numbers vary with the disk and the load).
 * Run from packages/sqlite:
 *   node --import tsx --conditions=@tq/source bench/throughput.ts [count=100000] [prefetch=100] [synchronous=NORMAL]
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TransportMessage } from '@tq/core';
import { sqliteBackend, sqliteTransport } from '../src/index.js';

const count = Number(process.argv[2] ?? 100_000);
const prefetch = Number(process.argv[3] ?? 100);
const dir = mkdtempSync(join(tmpdir(), 'tq-sqlite-bench-'));
const synchronous = process.argv[4] ?? 'NORMAL';
const url = `sqlite://${join(dir, 'bench.db')}?synchronous=${synchronous}`;
console.log(`count ${count}, prefetch ${prefetch}, synchronous ${synchronous}`);

/** A message shaped like a Celery protocol-v2 task (headers and a small JSON body). */
function taskMessage(i: number): TransportMessage {
  const id = randomUUID();
  return {
    body: new TextEncoder().encode(
      JSON.stringify([[i, i + 1], {}, { callbacks: null, errbacks: null, chain: null, chord: null }]),
    ),
    contentType: 'application/json',
    contentEncoding: 'utf-8',
    headers: {
      lang: 'py',
      task: 'tasks.add',
      id,
      shadow: null,
      eta: null,
      expires: null,
      group: null,
      group_index: null,
      retries: 0,
      timelimit: [null, null],
      root_id: id,
      parent_id: null,
      argsrepr: `(${i}, ${i + 1})`,
      kwargsrepr: '{}',
      origin: 'bench@host',
      ignore_result: false,
    },
    properties: { correlationId: id, replyTo: 'c0ffee', deliveryMode: 2, priority: 0, bodyEncoding: 'base64' },
  };
}

function report(label: string, n: number, startedAt: bigint): void {
  const seconds = Number(process.hrtime.bigint() - startedAt) / 1e9;
  console.log(
    `${label.padEnd(44)} ${String(n).padStart(7)} msgs  ${seconds.toFixed(2).padStart(6)} s  ${Math.round(n / seconds)
      .toString()
      .padStart(7)} msg/s`,
  );
}

async function drain(queue: string, n: number): Promise<void> {
  const transport = sqliteTransport(url);
  const started = process.hrtime.bigint();
  let seen = 0;
  for await (const delivery of transport.consume([queue], { prefetch })) {
    // W2: the task runs (here: nothing), then the message is acked; acks are batched per event-loop turn.
    await Promise.resolve();
    void delivery.ack();
    if (++seen === n) break;
  }
  await transport.close();
  report(`drain, ack after task (prefetch ${prefetch})`, n, started);
}

const transport = sqliteTransport(url);
await transport.connect();
const messages = Array.from({ length: count }, (_, i) => taskMessage(i));

const single = Math.min(count, 20_000);
let started = process.hrtime.bigint();
for (let i = 0; i < single; i++) await transport.publish(messages[i]!, { queue: 'one' });
report('publish one by one (awaited)', single, started);

started = process.hrtime.bigint();
for (let i = 0; i < count; i += 1000) {
  await transport.publishBatch(
    messages.slice(i, i + 1000).map((message) => ({ message, options: { queue: 'batch' } })),
  );
}
report('publishBatch (1000 per call)', count, started);

started = process.hrtime.bigint();
await Promise.all(messages.slice(0, single).map((message) => transport.publish(message, { queue: 'concurrent' })));
report('publish, many concurrent calls', single, started);

await drain('batch', count);
await drain('one', single);

// Producer and consumer at the same time in one process.
started = process.hrtime.bigint();
const consumer = sqliteTransport(url);
const consumed = (async () => {
  let seen = 0;
  for await (const delivery of consumer.consume(['mixed'], { prefetch })) {
    void delivery.ack();
    if (++seen === count) break;
  }
})();
for (let i = 0; i < count; i += 100) {
  await transport.publishBatch(messages.slice(i, i + 100).map((message) => ({ message, options: { queue: 'mixed' } })));
}
await consumed;
report('publishBatch(100) + drain concurrently', count, started);
await consumer.close();

// W2 with results: each task's result is stored, then its message acked (both group-committed).
await transport.publishBatch(messages.slice(0, single).map((message) => ({ message, options: { queue: 'results' } })));
started = process.hrtime.bigint();
const backend = sqliteBackend(url);
const worker = sqliteTransport(url);
let stored = 0;
const settled: Promise<void>[] = [];
for await (const delivery of worker.consume(['results'], { prefetch })) {
  const taskId = String(delivery.message.headers.id);
  const work = backend
    .store(taskId, {
      status: 'SUCCESS',
      result: 3,
      traceback: null,
      children: [],
      date_done: new Date().toISOString(),
      task_id: taskId,
    })
    .then(() => delivery.ack());
  settled.push(work);
  if (++stored === single) break;
}
await Promise.all(settled);
await worker.close();
await backend.close();
report(`drain + store result + ack (prefetch ${prefetch})`, single, started);

await transport.close();
rmSync(dir, { recursive: true, force: true });
