/**
 * Raw transport throughput against a real RabbitMQ (not a test; numbers depend on the machine).
 *   node --conditions=@tq/source --import tsx bench/throughput.ts [messages=20000]
 * Measures: publishBatch with confirms (batches of 1000), publish() calls in flight at once (window 1000),
 * one awaited publish at a time, and consume+ack with prefetch 500. Each phase uses its own queue, deleted after.
 */
import { randomUUID } from 'node:crypto';
import type { TransportMessage } from '@tq/core';
import { createAmqpTransport } from '../src/index.js';

const url = process.env.AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672//';
const total = Number(process.argv[2] ?? 20_000);
const body = new TextEncoder().encode(JSON.stringify([[1, 2], {}, { callbacks: null, errbacks: null, chain: null, chord: null }]));

function message(i: number): TransportMessage {
  const id = randomUUID();
  return {
    body,
    contentType: 'application/json',
    contentEncoding: 'utf-8',
    headers: { lang: 'js', task: 'bench.add', id, root_id: id, parent_id: null, group: null, retries: 0, eta: null, expires: null, timelimit: [null, null], argsrepr: '[1, 2]', kwargsrepr: '{}', origin: `bench-${i}` },
    properties: { correlationId: id, replyTo: 'bench', deliveryMode: process.env.TRANSIENT ? 1 : 2, priority: 0 },
  };
}

const rate = (count: number, ms: number) => `${Math.round((count / ms) * 1000).toLocaleString('en')} msg/s (${count} in ${ms.toFixed(0)} ms)`;

const transport = createAmqpTransport({ url, declareQueueExchange: false, connectionName: 'tq-bench' });
const queues: string[] = [];
async function freshQueue(label: string): Promise<string> {
  const name = `tqbench.${label}.${randomUUID().slice(0, 8)}`;
  queues.push(name);
  await transport.declareQueue({ name });
  return name;
}

try {
  await transport.connect();

  const batchQueue = await freshQueue('batch');
  let started = performance.now();
  for (let sent = 0; sent < total; sent += 1000) {
    await transport.publishBatch(Array.from({ length: Math.min(1000, total - sent) }, (_, i) => ({ message: message(sent + i), options: { queue: batchQueue } })));
  }
  console.log(`publishBatch, confirms, batches of 1000:  ${rate(total, performance.now() - started)}`);

  const windowQueue = await freshQueue('window');
  started = performance.now();
  const inFlight = new Set<Promise<void>>();
  for (let i = 0; i < total; i += 1) {
    const publish = transport.publish(message(i), { queue: windowQueue }).finally(() => inFlight.delete(publish));
    inFlight.add(publish);
    if (inFlight.size >= 1000) await Promise.race(inFlight);
  }
  await Promise.all(inFlight);
  console.log(`publish(), confirms, 1000 in flight:      ${rate(total, performance.now() - started)}`);

  const serialQueue = await freshQueue('serial');
  const serialCount = Math.min(total, 2000);
  started = performance.now();
  for (let i = 0; i < serialCount; i += 1) await transport.publish(message(i), { queue: serialQueue });
  console.log(`publish(), one awaited at a time:         ${rate(serialCount, performance.now() - started)}`);

  started = performance.now();
  let consumed = 0;
  const controller = new AbortController();
  for await (const delivery of transport.consume([batchQueue], { prefetch: 500, signal: controller.signal })) {
    await delivery.ack();
    consumed += 1;
    if (consumed === total) controller.abort();
  }
  console.log(`consume + ack, prefetch 500:              ${rate(consumed, performance.now() - started)}`);

  // Publishing and consuming at the same time on one connection.
  const mixedQueue = await freshQueue('mixed');
  started = performance.now();
  const mixedController = new AbortController();
  let mixedConsumed = 0;
  const consumer = (async () => {
    for await (const delivery of transport.consume([mixedQueue], { prefetch: 500, signal: mixedController.signal })) {
      await delivery.ack();
      mixedConsumed += 1;
      if (mixedConsumed === total) mixedController.abort();
    }
  })();
  for (let sent = 0; sent < total; sent += 1000) {
    await transport.publishBatch(Array.from({ length: Math.min(1000, total - sent) }, (_, i) => ({ message: message(sent + i), options: { queue: mixedQueue } })));
  }
  await consumer;
  console.log(`publish and consume concurrently:         ${rate(total, performance.now() - started)}`);
} finally {
  for (const queue of queues) await transport.deleteQueue(queue).catch(() => {});
  await transport.close();
}
