import { ErrorCodes, TqError } from '@tq/core';
import { afterEach, describe, expect, test } from 'vitest';
import { Fixture, message, rabbitUp, take, text } from './helpers.js';

const fx = new Fixture();
afterEach(() => fx.cleanup());

async function rejectOne(t: ReturnType<Fixture['transport']>, queue: string) {
  await t.publish(message('poison', { headers: { id: 'p-1', task: 'tests.poison' } }), { queue });
  const iterator = t.consume([queue])[Symbol.asyncIterator]();
  const [delivery] = await take(iterator, 1);
  await delivery!.reject();
  await iterator.return!();
}

describe.skipIf(!rabbitUp)('dead letters (RabbitMQ)', () => {
  test('client mode (default): the queue has no dead-letter arguments, rejected messages land in <queue>.dead', async () => {
    const t = fx.transport();
    const queue = fx.queue('dl-client');
    await t.declareQueue({ name: queue });
    await rejectOne(t, queue);
    expect(await t.size(queue)).toBe(0);
    expect(await t.size(`${queue}.dead`)).toBe(1);
    const iterator = t.consume([`${queue}.dead`])[Symbol.asyncIterator]();
    const [dead] = await take(iterator, 1);
    expect(text(dead!)).toBe('poison');
    expect(dead!.message.headers).toMatchObject({ id: 'p-1', task: 'tests.poison', 'x-tq-rejected-from': queue });
    await dead!.ack();
    await iterator.return!();
    // Compatible with a plain declaration (what Python Celery does): redeclaring without arguments is fine.
    const plain = fx.transport({ deadLetter: 'off' });
    await plain.declareQueue({ name: queue });
  });

  test('client mode: a delivery rejected after its consume loop stopped (warm shutdown) is dead-lettered, not requeued', async () => {
    const t = fx.transport();
    const queue = fx.queue('dl-warm');
    await t.declareQueue({ name: queue });
    await t.publish(message('late reject'), { queue });
    const controller = new AbortController();
    const iterator = t.consume([queue], { signal: controller.signal })[Symbol.asyncIterator]();
    const [delivery] = await take(iterator, 1);
    controller.abort();
    expect((await iterator.next()).done).toBe(true);
    await delivery!.reject();
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(await t.size(`${queue}.dead`)).toBe(1);
    expect(await t.size(queue)).toBe(0);
  });

  test('client mode works for queues declared elsewhere (dead-letter queue made on first reject)', async () => {
    const declarer = fx.transport({ deadLetter: 'off' });
    const queue = fx.queue('dl-elsewhere');
    await declarer.declareQueue({ name: queue });
    const worker = fx.transport();
    await rejectOne(worker, queue);
    expect(await worker.size(`${queue}.dead`)).toBe(1);
  });

  test('broker mode: queues carry x-dead-letter-* and RabbitMQ moves rejected messages', async () => {
    const t = fx.transport({ deadLetter: 'broker' });
    const queue = fx.queue('dl-broker');
    await t.declareQueue({ name: queue });
    await rejectOne(t, queue);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(await t.size(`${queue}.dead`)).toBe(1);
    // A Celery-style plain redeclare now conflicts, and says so.
    const plain = fx.transport({ deadLetter: 'off' });
    const error = await plain.declareQueue({ name: queue }).catch((e: unknown) => e);
    expect(TqError.is(error, ErrorCodes.BROKER_REFUSED)).toBe(true);
    expect((error as TqError).details).toMatchObject({ argument: 'x-dead-letter-exchange' });
  });

  test('off: rejected messages are dropped and no dead-letter queue is made', async () => {
    const t = fx.transport({ deadLetter: 'off' });
    expect(t.capabilities.deadLetter).toBe(false);
    const queue = fx.queue('dl-off');
    await t.declareQueue({ name: queue });
    await rejectOne(t, queue);
    expect(await t.size(queue)).toBe(0);
    expect(await t.size(`${queue}.dead`)).toBe(0);
  });

  test('quorum queues: delivery count from the broker, and the delivery limit dead-letters (broker mode)', async () => {
    const t = fx.transport({ queueType: 'quorum', deadLetter: 'broker', deliveryLimit: 2 });
    const queue = fx.queue('quorum');
    await t.declareQueue({ name: queue });
    await t.publish(message('again and again'), { queue });
    const iterator = t.consume([queue])[Symbol.asyncIterator]();
    const counts: (number | undefined)[] = [];
    for (let i = 0; i < 3; i += 1) {
      const [delivery] = await take(iterator, 1);
      counts.push(delivery!.deliveryCount);
      await delivery!.reject({ requeue: true });
    }
    await iterator.return!();
    expect(counts).toEqual([1, 2, 3]);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(await t.size(queue)).toBe(0);
    expect(await t.size(`${queue}.dead`)).toBe(1);
  });
});
