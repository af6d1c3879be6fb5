import { ErrorCodes, TqError } from '@tq/core';
import { afterEach, describe, expect, test } from 'vitest';
import { Fixture, message, nextWithin, rabbitUp, take, text } from './helpers.js';

const fx = new Fixture();
afterEach(() => fx.cleanup());

describe.skipIf(!rabbitUp)('publish and consume (RabbitMQ)', () => {
  test('round-trips body, headers and properties natively, and fills deliveryInfo', async () => {
    const t = fx.transport();
    const queue = fx.queue('roundtrip');
    await t.declareQueue({ name: queue });
    const sent = message('[[1,2],{},{}]', {
      headers: { lang: 'py', task: 'tasks.add', id: 'id-1', retries: 0, timelimit: [null, 30], eta: null, big: 2 ** 40, ratio: 0.5, neg: -7, flag: false, nested: { a: [1, 'b'] } },
    });
    sent.properties = { correlationId: 'id-1', replyTo: 'reply-q', deliveryMode: 2, priority: 0 };
    await t.publish(sent, { queue, expiresMs: 60_000 });
    const iterator = t.consume([queue])[Symbol.asyncIterator]();
    const [delivery] = await take(iterator, 1);
    expect(text(delivery!)).toBe('[[1,2],{},{}]');
    expect(delivery!.message.contentType).toBe('application/json');
    expect(delivery!.message.contentEncoding).toBe('utf-8');
    expect(delivery!.message.headers).toEqual(sent.headers);
    expect(delivery!.message.properties).toMatchObject({
      correlationId: 'id-1',
      replyTo: 'reply-q',
      deliveryMode: 2,
      priority: 0,
      expiration: '60000',
      deliveryInfo: { exchange: '', routingKey: queue, redelivered: false },
    });
    expect(delivery!.redelivered).toBe(false);
    expect(delivery!.deliveryCount).toBeUndefined();
    await delivery!.ack();
    await iterator.return!();
    expect(await t.size(queue)).toBe(0);
  });

  test('declares the queue as Celery does: durable, with a same-named direct exchange bound by name', async () => {
    const t = fx.transport();
    const queue = fx.queue('celerylike');
    await t.declareQueue({ name: queue });
    // Publishing through the exchange works because of the binding Celery also makes.
    await t.publish(message('via exchange'), { exchange: queue, routingKey: queue });
    expect(await t.size(queue)).toBe(1);
    expect(await t.purge(queue)).toBe(1);
  });

  test('reject with requeue gives the message back, marked redelivered', async () => {
    const t = fx.transport();
    const queue = fx.queue('requeue');
    await t.declareQueue({ name: queue });
    await t.publish(message('again'), { queue });
    const iterator = t.consume([queue])[Symbol.asyncIterator]();
    const [first] = await take(iterator, 1);
    await first!.reject({ requeue: true });
    const [second] = await take(iterator, 1);
    expect(text(second!)).toBe('again');
    expect(second!.redelivered).toBe(true);
    await second!.ack();
    await iterator.return!();
  });

  test('settling a delivery twice is a typed error, not a channel-killing double ack', async () => {
    const t = fx.transport();
    const queue = fx.queue('twice');
    await t.declareQueue({ name: queue });
    await t.publish(message('once'), { queue });
    await t.publish(message('next'), { queue });
    const iterator = t.consume([queue])[Symbol.asyncIterator]();
    const [delivery] = await take(iterator, 1);
    await delivery!.ack();
    await expect(delivery!.ack()).rejects.toMatchObject({ code: ErrorCodes.CLOSED });
    const [next] = await take(iterator, 1);
    expect(text(next!)).toBe('next');
    await next!.ack();
    await iterator.return!();
  });

  test('prefetch bounds the deliveries outstanding at once, across several queues', async () => {
    const t = fx.transport();
    const a = fx.queue('prefetch-a');
    const b = fx.queue('prefetch-b');
    await t.declareQueue({ name: a });
    await t.declareQueue({ name: b });
    await t.publishBatch([...Array(3)].flatMap(() => [{ message: message('a'), options: { queue: a } }, { message: message('b'), options: { queue: b } }]));
    const iterator = t.consume([a, b], { prefetch: 2 })[Symbol.asyncIterator]();
    const held = await take(iterator, 2);
    const third = await nextWithin(iterator, 300);
    expect(third.arrived).toBe(false);
    await held[0]!.ack();
    // Room for one more: the waiting next() now gets a third delivery.
    const released = await third.pending;
    expect(released.done).toBe(false);
    await held[1]!.ack();
    await released.value!.ack();
    for (let i = 0; i < 3; i += 1) {
      const [delivery] = await take(iterator, 1);
      await delivery!.ack();
    }
    await iterator.return!();
  });

  test('stopping a consumer hands back what it fetched but did not yield', async () => {
    const t = fx.transport();
    const queue = fx.queue('handback');
    await t.declareQueue({ name: queue });
    await t.publishBatch([1, 2, 3, 4].map((n) => ({ message: message(String(n)), options: { queue } })));
    const controller = new AbortController();
    const iterator = t.consume([queue], { prefetch: 4, signal: controller.signal })[Symbol.asyncIterator]();
    const [first] = await take(iterator, 1);
    controller.abort();
    expect((await iterator.next()).done).toBe(true);
    await first!.ack();
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(await t.size(queue)).toBe(3);
  });

  test('priorities: a queue with maxPriority delivers higher priorities first', async () => {
    const t = fx.transport();
    const queue = fx.queue('priority');
    await t.declareQueue({ name: queue, maxPriority: 9 });
    await t.publish(message('low'), { queue, priority: 1 });
    await t.publish(message('high'), { queue, priority: 9 });
    await t.publish(message('mid'), { queue, priority: 5 });
    const iterator = t.consume([queue], { prefetch: 1 })[Symbol.asyncIterator]();
    const order: string[] = [];
    for (let i = 0; i < 3; i += 1) {
      const [delivery] = await take(iterator, 1);
      order.push(text(delivery!));
      expect(delivery!.message.properties.deliveryInfo?.priority).toBeTypeOf('number');
      await delivery!.ack();
    }
    expect(order).toEqual(['high', 'mid', 'low']);
    await iterator.return!();
  });

  test('purge, size and deleteQueue; a missing queue has size 0', async () => {
    const t = fx.transport();
    const queue = fx.queue('admin');
    await t.declareQueue({ name: queue });
    await t.publishBatch([1, 2, 3].map((n) => ({ message: message(String(n)), options: { queue } })));
    expect(await t.size(queue)).toBe(3);
    expect(await t.purge(queue)).toBe(3);
    await t.deleteQueue(queue);
    expect(await t.size(queue)).toBe(0);
    await t.deleteQueue(queue);
  });

  test('use after close is TQ_CLOSED; close is idempotent', async () => {
    const t = fx.transport();
    await t.connect();
    await t.close();
    await t.close();
    await expect(t.publish(message('x'), { queue: 'nowhere' })).rejects.toMatchObject({ code: ErrorCodes.CLOSED });
    expect(() => t.consume(['q'])[Symbol.asyncIterator]()).toThrow(TqError);
  });
});
