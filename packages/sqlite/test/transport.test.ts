import { ErrorCodes, TqError } from '@tq/core';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { type SqliteTransport, sqliteTransport } from '../src/index.js';
import { message, nextWithin, take, tempDatabase, text } from './helpers.js';

let db: ReturnType<typeof tempDatabase>;
const open: SqliteTransport[] = [];

function transport(options: Parameters<typeof sqliteTransport>[1] = {}): SqliteTransport {
  const created = sqliteTransport(db.url, options);
  open.push(created);
  return created;
}

beforeEach(() => {
  db = tempDatabase();
});

afterEach(async () => {
  for (const created of open.splice(0)) await created.close();
  db.cleanup();
});

describe('publish and consume', () => {
  test('round-trips body, headers and properties, and fills deliveryInfo', async () => {
    const t = transport();
    const sent = message('hello', { headers: { id: 'abc', task: 't', nested: { a: [1, 2] } } });
    sent.properties.replyTo = 'reply-q';
    await t.publish(sent, { queue: 'q' });
    const [delivery] = await take(t.consume(['q'])[Symbol.asyncIterator](), 1);
    expect(delivery!.message.body).toEqual(new TextEncoder().encode('hello'));
    expect(Object.getPrototypeOf(delivery!.message.body)).toBe(Uint8Array.prototype);
    expect(delivery!.message.headers).toEqual(sent.headers);
    expect(delivery!.message.properties.replyTo).toBe('reply-q');
    expect(delivery!.message.properties.deliveryInfo).toEqual({
      exchange: '',
      routingKey: 'q',
      redelivered: false,
      priority: 0,
    });
    expect(delivery!.redelivered).toBe(false);
    expect(delivery!.deliveryCount).toBe(1);
    expect(delivery!.queue).toBe('q');
    await delivery!.ack();
    expect(await t.size('q')).toBe(0);
  });

  test('FIFO within a priority, higher priorities first', async () => {
    const t = transport();
    await t.publishBatch([
      { message: message('low-1'), options: { queue: 'q', priority: 1 } },
      { message: message('high-1'), options: { queue: 'q', priority: 9 } },
      { message: message('low-2'), options: { queue: 'q', priority: 1 } },
      { message: message('mid'), options: { queue: 'q', priority: 5 } },
      { message: message('high-2'), options: { queue: 'q', priority: 9 } },
      { message: message('default', { properties: {} }), options: { queue: 'q' } },
      { message: message('prop-7', { properties: { priority: 7 } }), options: { queue: 'q' } },
    ]);
    const deliveries = await take(t.consume(['q'], { prefetch: 10 })[Symbol.asyncIterator](), 7);
    expect(deliveries.map(text)).toEqual(['high-1', 'high-2', 'prop-7', 'mid', 'low-1', 'low-2', 'default']);
    expect(deliveries[0]!.message.properties.priority).toBe(9);
    await Promise.all(deliveries.map((d) => d.ack()));
  });

  test('a delayed message is held back until its time', async () => {
    const t = transport();
    const started = Date.now();
    await t.publish(message('later'), { queue: 'q', delayMs: 300 });
    await t.publish(message('now'), { queue: 'q' });
    expect(await t.size('q')).toBe(1);
    const iterator = t.consume(['q'], { prefetch: 5 })[Symbol.asyncIterator]();
    const [first] = await take(iterator, 1);
    expect(text(first!)).toBe('now');
    const [second] = await take(iterator, 1);
    expect(text(second!)).toBe('later');
    expect(Date.now() - started).toBeGreaterThanOrEqual(290);
    await Promise.all([first!.ack(), second!.ack()]);
  });

  test('an expired message (expiresMs or expiration property) is dropped, not delivered', async () => {
    const t = transport();
    await t.publish(message('short'), { queue: 'q', expiresMs: 50 });
    await t.publish(message('prop', { properties: { expiration: '50' } }), { queue: 'q' });
    await t.publish(message('long'), { queue: 'q', expiresMs: 60_000 });
    await new Promise((resolve) => setTimeout(resolve, 80));
    expect(await t.size('q')).toBe(1);
    const iterator = t.consume(['q'], { prefetch: 5 })[Symbol.asyncIterator]();
    const [only] = await take(iterator, 1);
    expect(text(only!)).toBe('long');
    expect(await nextWithin(iterator, 100)).toBeUndefined();
    await only!.ack();
  });

  test('consumes several queues round-robin', async () => {
    const t = transport();
    await t.publish(message('a'), { queue: 'qa' });
    await t.publish(message('b'), { queue: 'qb' });
    const deliveries = await take(t.consume(['qa', 'qb'], { prefetch: 1 })[Symbol.asyncIterator](), 1);
    await deliveries[0]!.ack();
    const iterator = t.consume(['qa', 'qb'])[Symbol.asyncIterator]();
    const [next] = await take(iterator, 1);
    expect(new Set([text(deliveries[0]!), text(next!)])).toEqual(new Set(['a', 'b']));
    await next!.ack();
  });

  test('a waiting consumer is woken at once by a publish in the same process', async () => {
    const t = transport({ minPollMs: 1000, maxPollMs: 1000 });
    const iterator = t.consume(['q'])[Symbol.asyncIterator]();
    const pending = iterator.next();
    await new Promise((resolve) => setTimeout(resolve, 20));
    const before = Date.now();
    await t.publish(message('wake'), { queue: 'q' });
    const result = await pending;
    expect(Date.now() - before).toBeLessThan(500);
    expect(text(result.value as never)).toBe('wake');
    await (result.value as { ack(): Promise<void> }).ack();
  });
});

describe('prefetch and settlement', () => {
  test('never more than prefetch deliveries outstanding', async () => {
    const t = transport();
    await t.publishBatch(
      Array.from({ length: 10 }, (_, i) => ({ message: message(`m${i}`), options: { queue: 'q' } })),
    );
    const iterator = t.consume(['q'], { prefetch: 3 })[Symbol.asyncIterator]();
    const first = await take(iterator, 3);
    const fourth = iterator.next();
    const early = await Promise.race([fourth, new Promise((resolve) => setTimeout(() => resolve('waiting'), 100))]);
    expect(early).toBe('waiting');
    await first[0]!.ack();
    const next = await fourth;
    expect(text(next.value as never)).toBe('m3');
  });

  test('reject with requeue makes it redelivered; settling twice is harmless', async () => {
    const t = transport();
    await t.publish(message('again'), { queue: 'q' });
    const iterator = t.consume(['q'])[Symbol.asyncIterator]();
    const [first] = await take(iterator, 1);
    await first!.reject({ requeue: true });
    await first!.reject({ requeue: true });
    const [second] = await take(iterator, 1);
    expect(text(second!)).toBe('again');
    expect(second!.redelivered).toBe(true);
    expect(second!.deliveryCount).toBe(2);
    expect(second!.message.properties.deliveryInfo?.redelivered).toBe(true);
    await second!.ack();
  });

  test('reject without requeue dead-letters to <queue>.dead, or the declared queue', async () => {
    const t = transport();
    await t.publish(message('bad'), { queue: 'q' });
    await t.declareQueue({ name: 'q2', deadLetterQueue: 'graveyard' });
    await t.publish(message('worse'), { queue: 'q2' });
    const [d1] = await take(t.consume(['q'])[Symbol.asyncIterator](), 1);
    await d1!.reject();
    const [d2] = await take(t.consume(['q2'])[Symbol.asyncIterator](), 1);
    await d2!.reject({ requeue: false });
    expect(await t.size('q')).toBe(0);
    expect(await t.size('q.dead')).toBe(1);
    expect(await t.size('graveyard')).toBe(1);
    const [dead] = await take(t.consume(['q.dead'])[Symbol.asyncIterator](), 1);
    expect(text(dead!)).toBe('bad');
    expect(dead!.message.headers).toEqual(d1!.message.headers);
    await dead!.ack();
  });

  test('a message whose consumer never settles comes back after the lease, redelivered', async () => {
    const t = transport({ visibilityTimeoutMs: 150 });
    await t.publish(message('lost'), { queue: 'q' });
    const crashed = new AbortController();
    const [first] = await take(t.consume(['q'], { signal: crashed.signal })[Symbol.asyncIterator](), 1);
    expect(first!.redelivered).toBe(false);
    // The "worker" dies: it never acks. Another consumer gets it back once the lease ends.
    crashed.abort();
    const started = Date.now();
    const [again] = await take(t.consume(['q'])[Symbol.asyncIterator](), 1, 3000);
    expect(Date.now() - started).toBeGreaterThanOrEqual(100);
    expect(text(again!)).toBe('lost');
    expect(again!.redelivered).toBe(true);
    expect(again!.deliveryCount).toBe(2);
    // The old lease is gone: its ack changes nothing and the new holder still owns the message.
    await first!.ack();
    expect(await t.size('q')).toBe(0);
    await expect(first!.extend?.(1000)).rejects.toThrow();
    await again!.ack();
  });

  test('extend keeps a long task leased', async () => {
    const t = transport({ visibilityTimeoutMs: 150 });
    await t.publish(message('long'), { queue: 'q' });
    const [held] = await take(t.consume(['q'])[Symbol.asyncIterator](), 1);
    const other = t.consume(['q'])[Symbol.asyncIterator]();
    for (let i = 0; i < 4; i++) {
      await new Promise((resolve) => setTimeout(resolve, 80));
      await held!.extend!(150);
    }
    expect(await nextWithin(other, 50)).toBeUndefined();
    await held!.ack();
    expect(await nextWithin(other, 200)).toBeUndefined();
  });

  test('close returns prefetched messages unredelivered and unacked ones redelivered; close is idempotent', async () => {
    const first = transport();
    await first.publishBatch(
      Array.from({ length: 5 }, (_, i) => ({ message: message(`m${i}`), options: { queue: 'q' } })),
    );
    const iterator = first.consume(['q'], { prefetch: 5 })[Symbol.asyncIterator]();
    const [yielded] = await take(iterator, 1); // 5 claimed, 1 yielded, 4 buffered
    expect(text(yielded!)).toBe('m0');
    await first.close();
    await first.close();
    await first[Symbol.asyncDispose]();
    await expect(yielded!.ack()).rejects.toSatisfy((error) => TqError.is(error, ErrorCodes.CLOSED));
    expect((await iterator.next()).done).toBe(true);
    await expect(first.publish(message('x'), { queue: 'q' })).rejects.toSatisfy((e) =>
      TqError.is(e, ErrorCodes.CLOSED),
    );

    const second = transport();
    expect(await second.size('q')).toBe(5);
    const all = await take(second.consume(['q'], { prefetch: 5 })[Symbol.asyncIterator](), 5);
    expect(all.map(text)).toEqual(['m0', 'm1', 'm2', 'm3', 'm4']);
    expect(all.map((d) => d.redelivered)).toEqual([true, false, false, false, false]);
    await Promise.all(all.map((d) => d.ack()));
  });

  test('breaking out of for-await returns the unyielded prefetch', async () => {
    const t = transport();
    await t.publishBatch(Array.from({ length: 4 }, (_, i) => ({ message: message(`m${i}`), options: { queue: 'q' } })));
    for await (const delivery of t.consume(['q'], { prefetch: 4 })) {
      await delivery.ack();
      break;
    }
    expect(await t.size('q')).toBe(3);
  });

  test('aborting the signal ends the iteration', async () => {
    const t = transport();
    const controller = new AbortController();
    const iterator = t.consume(['q'], { signal: controller.signal })[Symbol.asyncIterator]();
    const pending = iterator.next();
    setTimeout(() => controller.abort(), 30);
    expect((await pending).done).toBe(true);
  });

  test('aborted signals refuse calls with TQ_ABORTED', async () => {
    const t = transport();
    const signal = AbortSignal.abort();
    await expect(t.publish(message('x'), { queue: 'q', signal })).rejects.toSatisfy((e) =>
      TqError.is(e, ErrorCodes.ABORTED),
    );
    await expect(t.size('q', { signal })).rejects.toSatisfy((e) => TqError.is(e, ErrorCodes.ABORTED));
  });
});

describe('topology', () => {
  test('direct, topic and fanout exchanges route to bound queues', async () => {
    const t = transport();
    await t.declareExchange({ name: 'd', type: 'direct' });
    await t.declareExchange({ name: 't', type: 'topic' });
    await t.declareExchange({ name: 'f', type: 'fanout' });
    await t.bindQueue({ exchange: 'd', queue: 'qd', routingKey: 'key' });
    await t.bindQueue({ exchange: 't', queue: 'qt', routingKey: 'task.#' });
    await t.bindQueue({ exchange: 't', queue: 'qstar', routingKey: '*.sent' });
    await t.bindQueue({ exchange: 'f', queue: 'qf1', routingKey: '' });
    await t.bindQueue({ exchange: 'f', queue: 'qf2', routingKey: 'ignored' });
    await t.publish(message('d'), { exchange: 'd', routingKey: 'key' });
    await t.publish(message('t1'), { exchange: 't', routingKey: 'task.sent' });
    await t.publish(message('t2'), { exchange: 't', routingKey: 'task' });
    await t.publish(message('f'), { exchange: 'f', routingKey: 'whatever' });
    expect(await t.size('qd')).toBe(1);
    expect(await t.size('qt')).toBe(2);
    expect(await t.size('qstar')).toBe(1);
    expect(await t.size('qf1')).toBe(1);
    expect(await t.size('qf2')).toBe(1);
    const [d] = await take(t.consume(['qd'])[Symbol.asyncIterator](), 1);
    expect(d!.message.properties.deliveryInfo).toMatchObject({ exchange: 'd', routingKey: 'key' });
    await d!.ack();
  });

  test('an undeclared exchange is refused; a declared one with no matching binding drops, as AMQP does', async () => {
    const t = transport();
    await expect(t.publish(message('x'), { exchange: 'nope', routingKey: 'k' })).rejects.toSatisfy((e) =>
      TqError.is(e, ErrorCodes.BROKER_REFUSED),
    );
    await t.declareExchange({ name: 'd', type: 'direct' });
    await t.bindQueue({ exchange: 'd', queue: 'bound', routingKey: 'yes' });
    await t.publish(message('x'), { exchange: 'd', routingKey: 'no' });
    expect(await t.size('bound')).toBe(0);
    await expect(t.declareExchange({ name: 'd', type: 'topic' })).rejects.toSatisfy((e) =>
      TqError.is(e, ErrorCodes.BROKER_REFUSED),
    );
    await expect(t.publish(message('x'), {})).rejects.toSatisfy((e) => TqError.is(e, ErrorCodes.INVALID_CONFIG));
  });

  test('a queue declared with maxPriority caps priorities to it', async () => {
    const t = transport();
    await t.declareQueue({ name: 'capped', maxPriority: 3 });
    await t.publish(message('p9'), { queue: 'capped', priority: 9 });
    await t.publish(message('p3'), { queue: 'capped', priority: 3 });
    const both = await take(t.consume(['capped'], { prefetch: 2 })[Symbol.asyncIterator](), 2);
    expect(both.map(text)).toEqual(['p9', 'p3']); // equal after capping: FIFO
    expect(both[0]!.message.properties.deliveryInfo?.priority).toBe(3);
    await Promise.all(both.map((d) => d.ack()));
  });

  test('publishBatch is all or nothing', async () => {
    const t = transport();
    await expect(
      t.publishBatch([
        { message: message('ok'), options: { queue: 'q' } },
        { message: message('bad'), options: { exchange: 'missing', routingKey: 'x' } },
      ]),
    ).rejects.toThrow();
    expect(await t.size('q')).toBe(0);
  });

  test('concurrent publishes share a commit, but a failing one does not take the others down', async () => {
    const t = transport();
    const results = await Promise.allSettled([
      t.publish(message('one'), { queue: 'q' }),
      t.publish(message('bad'), { exchange: 'missing', routingKey: 'x' }),
      t.publishBatch([
        { message: message('two'), options: { queue: 'q' } },
        { message: message('three'), options: { queue: 'q' } },
      ]),
    ]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect(await t.size('q')).toBe(3);
  });

  test('purge removes ready and delayed messages but not leased ones; deleteQueue removes all', async () => {
    const t = transport();
    await t.publishBatch([
      { message: message('a'), options: { queue: 'q' } },
      { message: message('b'), options: { queue: 'q' } },
      { message: message('c'), options: { queue: 'q', delayMs: 60_000 } },
    ]);
    const [leased] = await take(t.consume(['q'])[Symbol.asyncIterator](), 1);
    expect(await t.purge('q')).toBe(2);
    await leased!.reject({ requeue: true });
    expect(await t.size('q')).toBe(1);
    await t.deleteQueue('q');
    expect(await t.size('q')).toBe(0);
  });

  test('too large messages are refused with TQ_MESSAGE_TOO_LARGE', async () => {
    const t = transport({ maxMessageBytes: 1024 });
    expect(t.capabilities.maxMessageBytes).toBe(1024);
    await expect(t.publish(message('x'.repeat(2000)), { queue: 'q' })).rejects.toSatisfy((e) =>
      TqError.is(e, ErrorCodes.MESSAGE_TOO_LARGE),
    );
  });
});

describe('broadcast', () => {
  test('every subscriber gets what is broadcast after it subscribed', async () => {
    const t = transport();
    await t.broadcast('events', 'old', message('before'));
    const a = t.subscribe('events')[Symbol.asyncIterator]();
    const b = t.subscribe('events')[Symbol.asyncIterator]();
    const other = t.subscribe('control')[Symbol.asyncIterator]();
    await t.broadcast('events', 'task.started', message('e1'));
    await t.broadcast('events', 'task.done', message('e2'));
    for (const iterator of [a, b]) {
      const first = await iterator.next();
      const second = await iterator.next();
      expect(first.value?.routingKey).toBe('task.started');
      expect(new TextDecoder().decode(first.value?.message.body)).toBe('e1');
      expect(second.value?.routingKey).toBe('task.done');
    }
    const controller = new AbortController();
    const stopped = t.subscribe('control', { signal: controller.signal })[Symbol.asyncIterator]();
    const pending = stopped.next();
    controller.abort();
    expect((await pending).done).toBe(true);
    await other.return?.();
  });

  test('broadcast also reaches queues bound to a fanout exchange', async () => {
    const t = transport();
    await t.declareExchange({ name: 'fan', type: 'fanout' });
    await t.bindQueue({ exchange: 'fan', queue: 'bound', routingKey: '' });
    await t.broadcast('fan', 'k', message('x'));
    expect(await t.size('bound')).toBe(1);
  });
});
