import { ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import { afterEach, describe, expect, test } from 'vitest';
import { defaultDeadLetterName, sqsQueueName, type SqsTransport, DEAD_LETTER_REASON_ATTRIBUTE } from '../src/index.js';
import { collect, counts, makeTransport, message, queueName, queueUrl, rawClient, sleep, sqsUp, text } from './helpers.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

function transportFor(queues: string[], options: Parameters<typeof makeTransport>[0] = {}): SqsTransport {
  const transport = makeTransport(options);
  cleanups.push(async () => {
    for (const queue of queues) await transport.deleteQueue(queue).catch(() => undefined);
    await transport.close();
  });
  return transport;
}

describe.skipIf(!sqsUp)('sqs consume', () => {
  test('prefetch above 10 keeps that many deliveries outstanding, and no more', async () => {
    const queue = queueName('prefetch');
    const transport = transportFor([queue]);
    await transport.publishBatch(Array.from({ length: 60 }, (_, i) => ({ message: message(`m${i}`), options: { queue } })));
    const consumer = collect(transport, [queue], { prefetch: 35 });
    await consumer.waitFor(35);
    await sleep(1500); // more would arrive in this window if prefetch were not honoured
    expect(consumer.deliveries).toHaveLength(35);
    for (const delivery of consumer.deliveries.slice(0, 5)) await delivery.ack();
    await consumer.waitFor(40);
    await sleep(1000);
    expect(consumer.deliveries).toHaveLength(40);
    await Promise.all(consumer.deliveries.map((d) => d.ack()));
    await consumer.waitFor(60);
    await Promise.all(consumer.deliveries.slice(40).map((d) => d.ack()));
    await consumer.stop();
    const ids = new Set(consumer.deliveries.map((d) => d.message.properties.correlationId));
    expect(ids.size).toBe(60);
    const client = rawClient();
    expect(await counts(client, await queueUrl(client, sqsQueueName(queue)))).toEqual({ ready: 0, inFlight: 0, delayed: 0 });
  });

  test('acks are batched deletes: 25 concurrent acks empty the queue', async () => {
    const queue = queueName('acks');
    const transport = transportFor([queue]);
    await transport.publishBatch(Array.from({ length: 25 }, (_, i) => ({ message: message(`a${i}`), options: { queue } })));
    const consumer = collect(transport, [queue], { prefetch: 25 });
    const deliveries = await consumer.waitFor(25);
    await Promise.all(deliveries.map((d) => d.ack()));
    await consumer.stop();
    const client = rawClient();
    expect(await counts(client, await queueUrl(client, sqsQueueName(queue)))).toEqual({ ready: 0, inFlight: 0, delayed: 0 });
  });

  test('a message survives the round trip byte for byte, with headers and properties', async () => {
    const queue = queueName('roundtrip');
    const transport = transportFor([queue]);
    const sent = message('rt-1', 'héllo ✓', { 'x-custom': { nested: [1, 'two'] } });
    sent.properties.replyTo = 'reply-queue';
    sent.properties.priority = 3;
    await transport.publish(sent, { queue });
    const consumer = collect(transport, [queue], { autoAck: true });
    const [got] = await consumer.waitFor(1);
    await consumer.stop();
    expect(text(got!)).toBe(new TextDecoder().decode(sent.body));
    expect(got!.message.headers).toEqual(sent.headers);
    expect(got!.message.contentType).toBe('application/json');
    expect(got!.message.properties).toMatchObject({
      correlationId: 'rt-1',
      replyTo: 'reply-queue',
      priority: 3,
      deliveryMode: 2,
      deliveryInfo: { exchange: '', routingKey: queue, redelivered: false },
    });
    expect(got!.deliveryCount).toBe(1);
    expect(got!.queue).toBe(queue);
  });

  test('reject() moves the message to <queue>.dead with the reason, body unchanged', async () => {
    const queue = queueName('reject');
    const transport = transportFor([queue]);
    await transport.publish(message('dead-1'), { queue });
    const consumer = collect(transport, [queue]);
    const [delivery] = await consumer.waitFor(1);
    await delivery!.reject();
    await consumer.stop();
    const client = rawClient();
    const deadUrl = await queueUrl(client, sqsQueueName(defaultDeadLetterName(queue)));
    const { Messages = [] } = await client.send(
      new ReceiveMessageCommand({ QueueUrl: deadUrl, WaitTimeSeconds: 2, VisibilityTimeout: 0, MessageAttributeNames: ['All'] }),
    );
    expect(Messages).toHaveLength(1);
    expect(Messages[0]!.MessageAttributes?.[DEAD_LETTER_REASON_ATTRIBUTE]?.StringValue).toBe('rejected');
    expect(await counts(client, await queueUrl(client, sqsQueueName(queue)))).toEqual({ ready: 0, inFlight: 0, delayed: 0 });
    // The dead-letter queue is an ordinary queue to tq: consume it to inspect or replay.
    const dead = collect(transport, [defaultDeadLetterName(queue)], { autoAck: true });
    const [deadDelivery] = await dead.waitFor(1);
    await dead.stop();
    expect(deadDelivery!.message.properties.correlationId).toBe('dead-1');
  });

  test('reject({requeue:true}) makes the message visible at once; the next delivery counts 2', async () => {
    const queue = queueName('requeue');
    const transport = transportFor([queue]);
    await transport.publish(message('rq-1'), { queue });
    const consumer = collect(transport, [queue]);
    const [first] = await consumer.waitFor(1);
    await first!.reject({ requeue: true });
    const [, second] = await consumer.waitFor(2);
    await second!.ack();
    await consumer.stop();
    expect(second!.redelivered).toBe(true);
    expect(second!.deliveryCount).toBe(2);
  });

  test('size() counts ready messages only, not those in flight or delayed', async () => {
    const queue = queueName('size');
    const transport = transportFor([queue]);
    await transport.publishBatch(Array.from({ length: 5 }, (_, i) => ({ message: message(`s${i}`), options: { queue } })));
    await transport.publish(message('later'), { queue, delayMs: 60_000 });
    expect(await transport.size(queue)).toBe(5);
    const consumer = collect(transport, [queue], { prefetch: 2 });
    const held = await consumer.waitFor(2);
    expect(await transport.size(queue)).toBe(3);
    await consumer.stop();
    for (const delivery of held) await delivery.reject({ requeue: true });
    expect(await transport.purge(queue)).toBe(5);
    expect(await transport.size(queue)).toBe(0);
  });

  test('one consumer serves several queues, a busy queue is not held up by an idle one', async () => {
    const busy = queueName('busy');
    const idle = queueName('idle');
    const transport = transportFor([busy, idle]);
    await transport.declareQueue({ name: idle });
    await transport.publishBatch(Array.from({ length: 30 }, (_, i) => ({ message: message(`b${i}`), options: { queue: busy } })));
    const consumer = collect(transport, [idle, busy], { prefetch: 4, autoAck: true });
    const got = await consumer.waitFor(30);
    await consumer.stop();
    expect(new Set(got.map((d) => d.queue))).toEqual(new Set([busy]));
  });
});
