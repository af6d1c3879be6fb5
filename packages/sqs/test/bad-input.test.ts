import { DeleteQueueCommand, ReceiveMessageCommand, SendMessageCommand } from '@aws-sdk/client-sqs';
import { ErrorCodes, TqError } from '@tq/core';
import { afterEach, describe, expect, test } from 'vitest';
import { DEAD_LETTER_REASON_ATTRIBUTE, defaultDeadLetterName, sqsQueueName, type SqsTransport } from '../src/index.js';
import { collect, injectFault, makeTransport, message, queueName, queueUrl, rawClient, recordingLogger, sqsUp } from './helpers.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

function transportFor(queues: string[], options: Parameters<typeof makeTransport>[0] = {}): SqsTransport {
  const transport = makeTransport(options);
  cleanups.push(async () => {
    for (const queue of queues) await transport.deleteQueue(queue).catch(() => undefined);
    await transport.close({ force: true });
  });
  return transport;
}

async function failure(run: () => Promise<unknown>): Promise<TqError> {
  try {
    await run();
  } catch (error) {
    if (TqError.is(error)) return error;
    throw error;
  }
  throw new Error('expected a TqError, the call succeeded');
}

describe.skipIf(!sqsUp)('sqs bad input', () => {
  test('a queue name SQS would reject is TQ_INVALID_CONFIG, and the transport keeps working', async () => {
    const queue = queueName('after-bad-name');
    const transport = transportFor([queue]);
    const error = await failure(() => transport.publish(message('x'), { queue: 'ünïcode queue' }));
    expect(error.code).toBe(ErrorCodes.INVALID_CONFIG);
    expect((await failure(() => transport.declareQueue({ name: 'q'.repeat(81) }))).code).toBe(ErrorCodes.INVALID_CONFIG);
    await transport.publish(message('fine'), { queue });
    expect(await transport.size(queue)).toBe(1);
  });

  test('with createQueues false a missing queue is TQ_BROKER_REFUSED, for publish and consume alike', async () => {
    const transport = transportFor([], { createQueues: false });
    const missing = queueName('missing');
    const published = await failure(() => transport.publish(message('x'), { queue: missing }));
    expect(published.code).toBe(ErrorCodes.BROKER_REFUSED);
    expect(published.message).toContain('createQueues');
    const consumer = collect(transport, [missing]);
    await expect(consumer.waitFor(1, 5_000)).rejects.toMatchObject({ code: ErrorCodes.BROKER_REFUSED });
    await consumer.stop();
    expect(await transport.size(missing)).toBe(0);
  });

  test('with createQueues false an existing queue is used as it is, its redrive policy included', async () => {
    const queue = queueName('existing');
    const creator = transportFor([queue]);
    await creator.declareQueue({ name: queue });
    const user = transportFor([], { createQueues: false });
    await user.publish(message('e-1'), { queue });
    const consumer = collect(user, [queue]);
    const [delivery] = await consumer.waitFor(1);
    await delivery!.reject();
    await consumer.stop();
    expect(await user.size(defaultDeadLetterName(queue))).toBe(1);
  });

  test('a message over 256 KiB is TQ_MESSAGE_TOO_LARGE, pointing at smaller payloads or a claim check', async () => {
    const queue = queueName('large');
    const transport = transportFor([queue]);
    const big = message('big', 'x'.repeat(200 * 1024)); // base64 makes it ~270 KiB on the wire
    const error = await failure(() => transport.publish(big, { queue }));
    expect(error.code).toBe(ErrorCodes.MESSAGE_TOO_LARGE);
    expect(error.message).toMatch(/smaller payload/);
    expect(error.message).toMatch(/claim-check/);
    expect(error.details).toMatchObject({ limit: 262_144 });
    const batch = await failure(() => transport.publishBatch([{ message: big, options: { queue } }]));
    expect(batch.code).toBe(ErrorCodes.MESSAGE_TOO_LARGE);
    expect(await transport.size(queue)).toBe(0);
  });

  test("SQS's own size refusal is TQ_MESSAGE_TOO_LARGE too (limit raised in tq, not on the queue)", async () => {
    const queue = queueName('large-server');
    const transport = transportFor([queue], { maxMessageBytes: 1_048_576 });
    const error = await failure(() => transport.publish(message('big', 'x'.repeat(300 * 1024)), { queue }));
    expect(error.code).toBe(ErrorCodes.MESSAGE_TOO_LARGE);
    expect(error.message).toMatch(/claim-check/);
  });

  test('throttling and 5xx answers are retried with backoff; publish and consume carry on', async () => {
    const queue = queueName('throttled');
    const transport = transportFor([queue]);
    await transport.declareQueue({ name: queue });
    const sqsName = sqsQueueName(queue);
    await injectFault({ action: 'SendMessage', queue: sqsName, count: 2, status: 400, type: 'RequestThrottled' });
    await transport.publish(message('t-1'), { queue });
    await injectFault({ action: 'SendMessage', queue: sqsName, count: 2, status: 503, type: 'ServiceUnavailable' });
    await transport.publish(message('t-2'), { queue });
    await injectFault({ action: 'ReceiveMessage', queue: sqsName, count: 6, status: 500, type: 'InternalError' });
    const consumer = collect(transport, [queue], { autoAck: true });
    const got = await consumer.waitFor(2);
    await consumer.stop();
    expect(got.map((d) => d.message.properties.correlationId).sort()).toEqual(['t-1', 't-2']);
  });

  test('when retries run out the error is TQ_CONNECTION_LOST and retryable', async () => {
    const queue = queueName('overloaded');
    const transport = transportFor([queue], { maxAttempts: 2 });
    await transport.declareQueue({ name: queue });
    await injectFault({ action: 'SendMessage', queue: sqsQueueName(queue), count: 2, status: 500, type: 'InternalError' });
    const error = await failure(() => transport.publish(message('o-1'), { queue }));
    expect(error.code).toBe(ErrorCodes.CONNECTION_LOST);
    expect(error.retryable).toBe(true);
    await transport.publish(message('o-2'), { queue });
    expect(await transport.size(queue)).toBe(1);
  });

  test('a body that is not a kombu envelope goes to the dead-letter queue with a logged TQ_MALFORMED_MESSAGE; consumption continues', async () => {
    const queue = queueName('garbage');
    const logger = recordingLogger();
    const transport = transportFor([queue], { logger });
    await transport.declareQueue({ name: queue });
    const client = rawClient();
    const url = await queueUrl(client, sqsQueueName(queue));
    for (const body of ['plain text', '{"json": "but no envelope"}', Buffer.from('[1,2]').toString('base64')]) {
      await client.send(new SendMessageCommand({ QueueUrl: url, MessageBody: body }));
    }
    await transport.publish(message('good'), { queue });
    const consumer = collect(transport, [queue], { autoAck: true });
    const [good] = await consumer.waitFor(1);
    expect(good!.message.properties.correlationId).toBe('good');
    expect(await transport.size(defaultDeadLetterName(queue))).toBe(3);
    await consumer.stop();
    const errors = logger.records.filter((r) => r.level === 'error' && r.fields?.code === ErrorCodes.MALFORMED_MESSAGE);
    expect(errors).toHaveLength(3);
    const deadUrl = await queueUrl(client, sqsQueueName(defaultDeadLetterName(queue)));
    const { Messages = [] } = await client.send(
      new ReceiveMessageCommand({ QueueUrl: deadUrl, MaxNumberOfMessages: 10, VisibilityTimeout: 0, MessageAttributeNames: ['All'] }),
    );
    expect(Messages.map((m) => m.Body).sort()).toEqual(['plain text', '{"json": "but no envelope"}', Buffer.from('[1,2]').toString('base64')].sort());
    expect(Messages.every((m) => m.MessageAttributes?.[DEAD_LETTER_REASON_ATTRIBUTE]?.StringValue?.includes('kombu envelope'))).toBe(true);
  });

  test('a queue deleted while consumed ends the consume loop with a typed error', async () => {
    const queue = queueName('vanishing');
    const transport = transportFor([queue], { waitTimeSeconds: 1 });
    await transport.declareQueue({ name: queue });
    const consumer = collect(transport, [queue]);
    const client = rawClient();
    await client.send(new DeleteQueueCommand({ QueueUrl: await queueUrl(client, sqsQueueName(queue)) }));
    await expect(consumer.waitFor(1, 10_000)).rejects.toMatchObject({ code: ErrorCodes.BROKER_REFUSED });
    await consumer.stop();
  });
});
