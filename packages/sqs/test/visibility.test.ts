import { ErrorCodes } from '@tq/core';
import { afterEach, describe, expect, test } from 'vitest';
import { sqsQueueName, type SqsTransport } from '../src/index.js';
import { collect, counts, makeTransport, message, queueName, queueUrl, rawClient, recordingLogger, sleep, sqsUp } from './helpers.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

function transportFor(queue: string, options: Parameters<typeof makeTransport>[0] = {}): SqsTransport {
  const transport = makeTransport(options);
  cleanups.push(async () => {
    await transport.deleteQueue(queue).catch(() => undefined);
    await transport.close({ force: true });
  });
  return transport;
}

describe.skipIf(!sqsUp)('sqs visibility', () => {
  test('a message whose consumer never acks comes back to another consumer after the visibility timeout', async () => {
    const queue = queueName('never-acked');
    const first = transportFor(queue, { visibilityTimeoutSeconds: 1 });
    const second = transportFor(queue, { visibilityTimeoutSeconds: 1 });
    await first.publish(message('lost-worker'), { queue });
    const stuck = collect(first, [queue]);
    const [held] = await stuck.waitFor(1);
    expect(held!.redelivered).toBe(false);
    await stuck.stop(); // it keeps the delivery it took (yielded, never acked), and polls no more
    const startedAt = Date.now();
    // The first consumer holds it and never acks (a hung or dead worker); nobody extends the lease.
    const rescuer = collect(second, [queue]);
    const [again] = await rescuer.waitFor(1);
    expect(Date.now() - startedAt).toBeGreaterThanOrEqual(800);
    expect(again!.message.properties.correlationId).toBe('lost-worker');
    expect(again!.redelivered).toBe(true);
    expect(again!.deliveryCount).toBe(2);
    await again!.ack();
    await rescuer.stop();
  });

  test('a task that runs past the visibility timeout and extends its lease is delivered once', async () => {
    const queue = queueName('long-task');
    const worker = transportFor(queue, { visibilityTimeoutSeconds: 2 });
    const other = transportFor(queue, { visibilityTimeoutSeconds: 2 });
    await worker.publish(message('long-1'), { queue });
    const consumer = collect(worker, [queue]);
    const [delivery] = await consumer.waitFor(1);
    const watcher = collect(other, [queue], { autoAck: true });
    // A "task" of 7 s, 3.5 visibility timeouts, heartbeating like tq's worker: extend often, well before the end.
    const runUntil = Date.now() + 7_000;
    while (Date.now() < runUntil) {
      await delivery!.extend!(2_000);
      await sleep(600);
    }
    await delivery!.ack();
    await sleep(2_500); // a lease that had lapsed would have handed it to the watcher by now
    expect(watcher.deliveries).toHaveLength(0);
    await watcher.stop();
    await consumer.stop();
    const client = rawClient();
    expect(await counts(client, await queueUrl(client, sqsQueueName(queue)))).toEqual({ ready: 0, inFlight: 0, delayed: 0 });
  });

  test('with autoExtend the transport keeps held deliveries alive by itself', async () => {
    const queue = queueName('auto-extend');
    const worker = transportFor(queue, { visibilityTimeoutSeconds: 1, autoExtend: true });
    const other = transportFor(queue, { visibilityTimeoutSeconds: 1 });
    await worker.publish(message('auto-1'), { queue });
    const consumer = collect(worker, [queue]);
    const [delivery] = await consumer.waitFor(1);
    const watcher = collect(other, [queue], { autoAck: true });
    await sleep(4_000);
    expect(watcher.deliveries).toHaveLength(0);
    await delivery!.ack();
    await watcher.stop();
    await consumer.stop();
  });

  test('acking after the lease ended is reported as TQ_TIMEOUT (it may run twice), and still deletes when it can', async () => {
    const queue = queueName('late-ack');
    const logger = recordingLogger();
    const transport = transportFor(queue, { visibilityTimeoutSeconds: 1, logger });
    await transport.publish(message('late-1'), { queue });
    const consumer = collect(transport, [queue], { prefetch: 1 });
    const [delivery] = await consumer.waitFor(1);
    await consumer.stop(); // nothing receives it again meanwhile, so its receipt handle is still the latest
    await sleep(1_500);
    await delivery!.ack();
    const warning = logger.records.find((r) => r.fields?.code === ErrorCodes.TIMEOUT);
    expect(warning?.level).toBe('warn');
    expect(warning?.fields?.reason).toBe('lease-expired');
    const client = rawClient();
    expect(await counts(client, await queueUrl(client, sqsQueueName(queue)))).toEqual({ ready: 0, inFlight: 0, delayed: 0 });
  });

  test('extend() on a lease that already ended fails with TQ_TIMEOUT', async () => {
    const queue = queueName('late-extend');
    const transport = transportFor(queue, { visibilityTimeoutSeconds: 1 });
    await transport.publish(message('late-2'), { queue });
    const consumer = collect(transport, [queue], { prefetch: 1 });
    const [delivery] = await consumer.waitFor(1);
    await sleep(1_500);
    await expect(delivery!.extend!(5_000)).rejects.toMatchObject({ code: ErrorCodes.TIMEOUT });
    await consumer.stop();
  });

  test('closing the transport hands held messages back at once', async () => {
    const queue = queueName('close-release');
    const transport = makeTransport({ visibilityTimeoutSeconds: 30 });
    const other = transportFor(queue);
    await transport.publish(message('held-1'), { queue });
    const consumer = collect(transport, [queue]);
    await consumer.waitFor(1);
    await consumer.stop();
    await transport.close();
    const rescuer = collect(other, [queue], { autoAck: true });
    const [again] = await rescuer.waitFor(1, 5_000); // far sooner than the 30 s lease
    expect(again!.message.properties.correlationId).toBe('held-1');
    await rescuer.stop();
  });
});
