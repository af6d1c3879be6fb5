import { ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import { ErrorCodes } from '@tq/core';
import { afterEach, describe, expect, test } from 'vitest';
import { sqsQueueName, type SqsTransport } from '../src/index.js';
import { collect, makeTransport, message, queueName, queueUrl, rawClient, sleep, sqsUp } from './helpers.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

function fifoQueue(label: string): string {
  return `${queueName(label)}.fifo`;
}

function transportFor(queue: string): SqsTransport {
  const transport = makeTransport();
  cleanups.push(async () => {
    await transport.deleteQueue(queue).catch(() => undefined);
    await transport.close();
  });
  return transport;
}

describe.skipIf(!sqsUp)('sqs FIFO queues', () => {
  test('a .fifo queue is created as FIFO and keeps the order of a message group', async () => {
    const queue = fifoQueue('order');
    expect(sqsQueueName(queue)).toMatch(/\.fifo$/);
    const transport = transportFor(queue);
    await transport.publishBatch(Array.from({ length: 25 }, (_, i) => ({ message: message(`f${i}`), options: { queue } })));
    const consumer = collect(transport, [queue], { prefetch: 10, autoAck: true });
    const got = await consumer.waitFor(25);
    await consumer.stop();
    expect(got.map((d) => d.message.properties.correlationId)).toEqual(Array.from({ length: 25 }, (_, i) => `f${i}`));
  });

  test('the task id deduplicates: the same task published twice arrives once, its retry arrives', async () => {
    const queue = fifoQueue('dedup');
    const transport = transportFor(queue);
    await transport.publish(message('same-id'), { queue });
    await transport.publish(message('same-id'), { queue });
    await transport.publish(message('same-id', 'retry', { retries: 1 }), { queue });
    const consumer = collect(transport, [queue], { autoAck: true });
    await consumer.waitFor(2);
    await sleep(1_000);
    await consumer.stop();
    expect(consumer.deliveries.map((d) => d.message.headers.retries ?? 0)).toEqual([0, 1]);
  });

  test('MessageGroupId comes from the message properties (as kombu reads it), else the default group', async () => {
    const queue = fifoQueue('groups');
    const transport = transportFor(queue);
    const grouped = message('g-1');
    grouped.properties.MessageGroupId = 'customer-42';
    await transport.publish(grouped, { queue });
    await transport.publish(message('g-2'), { queue });
    const client = rawClient();
    const { Messages = [] } = await client.send(
      new ReceiveMessageCommand({
        QueueUrl: await queueUrl(client, sqsQueueName(queue)),
        MaxNumberOfMessages: 10,
        VisibilityTimeout: 0,
        MessageSystemAttributeNames: ['MessageGroupId'],
      }),
    );
    expect(Messages.map((m) => m.Attributes?.MessageGroupId).sort()).toEqual(['customer-42', 'default']);
  });

  test('a per-message delay on a FIFO queue is TQ_NOT_SUPPORTED', async () => {
    const queue = fifoQueue('delay');
    const transport = transportFor(queue);
    await expect(transport.publish(message('late'), { queue, delayMs: 5_000 })).rejects.toMatchObject({ code: ErrorCodes.NOT_SUPPORTED });
  });

  test('reject() moves a FIFO message to its FIFO dead-letter queue', async () => {
    const queue = fifoQueue('dead');
    const transport = transportFor(queue);
    await transport.publish(message('fd-1'), { queue });
    const consumer = collect(transport, [queue]);
    const [delivery] = await consumer.waitFor(1);
    await delivery!.reject();
    await consumer.stop();
    const dead = queue.replace(/\.fifo$/, '.dead.fifo');
    expect(await transport.size(dead)).toBe(1);
  });
});
