import { ErrorCodes, TqError } from '@tq/core';
import { afterEach, describe, expect, test } from 'vitest';
import { Fixture, message, rabbitUp, take, text } from './helpers.js';

const fx = new Fixture();
afterEach(() => fx.cleanup());

describe.skipIf(!rabbitUp)('refusals are typed errors, and the transport keeps working (RabbitMQ)', () => {
  test('an unroutable publish (no such queue) is returned and fails with TQ_BROKER_REFUSED', async () => {
    const t = fx.transport();
    const error = await t.publish(message('lost?'), { queue: 'tqtest.no-such-queue.x1' }).catch((e: unknown) => e);
    expect(TqError.is(error, ErrorCodes.BROKER_REFUSED)).toBe(true);
    expect((error as TqError).message).toMatch(/unroutable/);
    // The same publisher still works.
    const queue = fx.queue('after-return');
    await t.declareQueue({ name: queue });
    await t.publish(message('fine'), { queue });
    expect(await t.size(queue)).toBe(1);
  });

  test('publishing to a missing exchange fails that publish only; concurrent ones still arrive', async () => {
    const t = fx.transport();
    const queue = fx.queue('concurrent');
    await t.declareQueue({ name: queue });
    const results = await Promise.allSettled([
      t.publish(message('a'), { queue }),
      t.publish(message('bad'), { exchange: 'tqtest.no-such-exchange.x2', routingKey: 'k' }),
      t.publish(message('b'), { queue }),
      t.publish(message('c'), { queue }),
    ]);
    expect(results.map((result) => result.status)).toEqual(['fulfilled', 'rejected', 'fulfilled', 'fulfilled']);
    const refused = (results[1] as PromiseRejectedResult).reason;
    expect(TqError.is(refused, ErrorCodes.BROKER_REFUSED)).toBe(true);
    expect(await t.size(queue)).toBeGreaterThanOrEqual(3);
  });

  test('publishBatch reports which items failed', async () => {
    const t = fx.transport();
    const queue = fx.queue('batch');
    await t.declareQueue({ name: queue });
    const error = await t
      .publishBatch([
        { message: message('1'), options: { queue } },
        { message: message('2'), options: { queue: 'tqtest.no-such-queue.x3' } },
        { message: message('3'), options: { queue } },
      ])
      .catch((e: unknown) => e);
    expect(TqError.is(error, ErrorCodes.BROKER_REFUSED)).toBe(true);
    expect((error as TqError).details).toMatchObject({ failed: [1] });
    expect(await t.size(queue)).toBe(2);
  });

  test('redeclaring a queue with different arguments is TQ_BROKER_REFUSED saying what differs', async () => {
    const t = fx.transport();
    const queue = fx.queue('mismatch');
    await t.declareQueue({ name: queue, maxPriority: 10 });
    const error = await t.declareQueue({ name: queue }).catch((e: unknown) => e);
    expect(TqError.is(error, ErrorCodes.BROKER_REFUSED)).toBe(true);
    expect((error as TqError).details).toMatchObject({ kind: 'queue', name: queue, argument: 'x-max-priority' });
    expect((error as TqError).message).toMatch(/x-max-priority/);
    // The admin channel recovered: other operations go on.
    expect(await t.size(queue)).toBe(0);
    await t.publish(message('still works'), { queue });
    expect(await t.size(queue)).toBe(1);
  });

  test('a body over maxMessageBytes is refused before sending (TQ_MESSAGE_TOO_LARGE)', async () => {
    const t = fx.transport({ maxMessageBytes: 1024 });
    const queue = fx.queue('small');
    await t.declareQueue({ name: queue });
    const error = await t.publish(message('x'.repeat(2048)), { queue }).catch((e: unknown) => e);
    expect(TqError.is(error, ErrorCodes.MESSAGE_TOO_LARGE)).toBe(true);
    await t.publish(message('ok'), { queue });
    expect(await t.size(queue)).toBe(1);
  });

  test('a body over the broker max_message_size (128 MiB on RabbitMQ 3.x) is TQ_MESSAGE_TOO_LARGE from the broker', async () => {
    const t = fx.transport({ maxMessageBytes: 256 * 1024 * 1024 });
    const queue = fx.queue('huge');
    await t.declareQueue({ name: queue });
    const huge = message('');
    huge.body = new Uint8Array(128 * 1024 * 1024 + 1);
    const [big, small] = await Promise.allSettled([t.publish(huge, { queue }), t.publish(message('small'), { queue })]);
    expect(big.status).toBe('rejected');
    expect(TqError.is((big as PromiseRejectedResult).reason, ErrorCodes.MESSAGE_TOO_LARGE)).toBe(true);
    expect(small.status).toBe('fulfilled');
    expect(await t.size(queue)).toBe(1);
  }, 60_000);

  test('headers larger than amqplib can encode are TQ_MESSAGE_TOO_LARGE', async () => {
    const t = fx.transport();
    const queue = fx.queue('bigheaders');
    await t.declareQueue({ name: queue });
    const error = await t.publish(message('x', { headers: { huge: 'h'.repeat(200_000) } }), { queue }).catch((e: unknown) => e);
    expect(TqError.is(error, ErrorCodes.MESSAGE_TOO_LARGE)).toBe(true);
  });

  test('quorum queues refuse maxPriority with TQ_INVALID_CONFIG before talking to the broker', async () => {
    const t = fx.transport({ queueType: 'quorum' });
    await expect(t.declareQueue({ name: fx.queue('qprio'), maxPriority: 5 })).rejects.toMatchObject({ code: ErrorCodes.INVALID_CONFIG });
  });

  test('consuming a queue that does not exist fails the iterator with TQ_BROKER_REFUSED', async () => {
    const t = fx.transport();
    const iterator = t.consume(['tqtest.no-such-queue.x4'])[Symbol.asyncIterator]();
    await expect(iterator.next()).rejects.toMatchObject({ code: ErrorCodes.BROKER_REFUSED });
    // The transport itself is fine.
    const queue = fx.queue('fine');
    await t.declareQueue({ name: queue });
    await t.publish(message('hello'), { queue });
    const consumer = t.consume([queue])[Symbol.asyncIterator]();
    const [delivery] = await take(consumer, 1);
    expect(text(delivery!)).toBe('hello');
    await delivery!.ack();
    await consumer.return!();
  });
});
