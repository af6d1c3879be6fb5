import { SendMessageCommand } from '@aws-sdk/client-sqs';
import { afterEach, describe, expect, test } from 'vitest';
import { encodeEnvelope } from '../src/envelope.js';
import { prepareMessage } from '../src/publisher.js';
import { DELIVER_AT_ATTRIBUTE, sqsQueueName, type SqsTransport } from '../src/index.js';
import { collect, counts, makeTransport, message, queueName, queueUrl, rawClient, sqsUp } from './helpers.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

function transportFor(queue: string): SqsTransport {
  const transport = makeTransport();
  cleanups.push(async () => {
    await transport.deleteQueue(queue).catch(() => undefined);
    await transport.close();
  });
  return transport;
}

describe.skipIf(!sqsUp)('sqs delays', () => {
  test('delayMs up to 15 minutes is SQS DelaySeconds: nothing is receivable before it ends', async () => {
    const queue = queueName('delay');
    const transport = transportFor(queue);
    const sentAt = Date.now();
    await transport.publish(message('d-1'), { queue, delayMs: 2_000 });
    const client = rawClient();
    const url = await queueUrl(client, sqsQueueName(queue));
    expect(await counts(client, url)).toEqual({ ready: 0, inFlight: 0, delayed: 1 });
    const consumer = collect(transport, [queue], { autoAck: true });
    const [delivery] = await consumer.waitFor(1);
    await consumer.stop();
    expect(Date.now() - sentAt).toBeGreaterThanOrEqual(1_900);
    expect(delivery!.message.properties.correlationId).toBe('d-1');
  });

  test('a longer delay is sent with the 15-minute maximum and its real due time in an attribute', async () => {
    const queue = queueName('long-delay');
    const transport = transportFor(queue);
    const delayMs = 2 * 60 * 60_000;
    const before = Date.now();
    const info = { name: queue, sqsName: sqsQueueName(queue), url: 'unused', fifo: false, deadLetter: undefined };
    const { entry } = prepareMessage(info, message('far'), { exchange: '', routingKey: queue }, delayMs, transport.options);
    expect(entry.DelaySeconds).toBe(900);
    const dueAt = Number(entry.MessageAttributes?.[DELIVER_AT_ATTRIBUTE]?.StringValue);
    expect(dueAt).toBeGreaterThanOrEqual(before + delayMs);
    expect(dueAt).toBeLessThanOrEqual(Date.now() + delayMs);
    await transport.publish(message('far'), { queue, delayMs });
    const client = rawClient();
    expect(await counts(client, await queueUrl(client, sqsQueueName(queue)))).toEqual({ ready: 0, inFlight: 0, delayed: 1 });
  });

  test('a message that arrives before its due time (delay past 15 minutes) is sent round again, then delivered on time', async () => {
    const queue = queueName('redelay');
    const transport = transportFor(queue);
    await transport.declareQueue({ name: queue });
    const client = rawClient();
    const url = await queueUrl(client, sqsQueueName(queue));
    // What SQS hands over after the first 15 minutes of a longer delay: due in 3 s more.
    const dueAt = Date.now() + 3_000;
    await client.send(
      new SendMessageCommand({
        QueueUrl: url,
        MessageBody: encodeEnvelope(message('due-later'), { exchange: '', routingKey: queue }),
        MessageAttributes: { [DELIVER_AT_ATTRIBUTE]: { DataType: 'Number', StringValue: String(dueAt) } },
      }),
    );
    const consumer = collect(transport, [queue], { autoAck: true });
    const [delivery] = await consumer.waitFor(1);
    await consumer.stop();
    expect(Date.now()).toBeGreaterThanOrEqual(dueAt - 1_000);
    expect(delivery!.message.properties.correlationId).toBe('due-later');
    expect(await counts(client, url)).toEqual({ ready: 0, inFlight: 0, delayed: 0 });
  });
});
