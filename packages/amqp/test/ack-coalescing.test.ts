import { afterEach, describe, expect, test } from 'vitest';
import { Fixture, message, rabbitUp, take, text } from './helpers.js';

const fx = new Fixture();
afterEach(() => fx.cleanup());

/** Acks are written once per event-loop turn, a multiple ack covering the settled run (see src/ack-coalescer.ts). */
describe.skipIf(!rabbitUp)('coalesced acks (RabbitMQ)', () => {
  test('a multiple ack never covers a delivery still in hand: it comes back after a cold stop, the acked ones do not', async () => {
    const queue = fx.queue('coalesce');
    const producer = fx.transport();
    await producer.declareQueue({ name: queue });
    await producer.publishBatch(['m1', 'm2', 'm3', 'm4', 'm5'].map((body) => ({ message: message(body), options: { queue } })));

    const first = fx.transport();
    const iterator = first.consume([queue], { prefetch: 10 })[Symbol.asyncIterator]();
    const [m1, m2, m3, m4, m5] = await take(iterator, 5);
    // m2 stays in hand; the others are acked out of order within one turn.
    await Promise.all([m5!.ack(), m1!.ack(), m3!.ack(), m4!.ack()]);
    await new Promise((resolve) => setImmediate(resolve));
    await new Promise((resolve) => setTimeout(resolve, 100));
    await first.close({ force: true });

    const second = fx.transport();
    const again = second.consume([queue], { prefetch: 10 })[Symbol.asyncIterator]();
    const [back] = await take(again, 1);
    expect(text(back!)).toBe(text(m2!));
    expect(back!.redelivered).toBe(true);
    await back!.ack();
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(await producer.size(queue)).toBe(0);
    await again.return?.();
  });

  test('acks made just before a warm stop are written before the channel closes (nothing comes back)', async () => {
    const queue = fx.queue('coalesce-stop');
    const producer = fx.transport();
    await producer.declareQueue({ name: queue });
    await producer.publishBatch(Array.from({ length: 50 }, (_, i) => ({ message: message(`m${i}`), options: { queue } })));

    const consumer = fx.transport();
    const iterator = consumer.consume([queue], { prefetch: 50 })[Symbol.asyncIterator]();
    const deliveries = await take(iterator, 50);
    await Promise.all(deliveries.map((delivery) => delivery.ack()));
    await iterator.return?.();
    await consumer.close();

    const checker = fx.transport();
    const rest = checker.consume([queue], { prefetch: 1 })[Symbol.asyncIterator]();
    const next = await Promise.race([rest.next().then(() => 'redelivered'), new Promise((resolve) => setTimeout(() => resolve('empty'), 500))]);
    expect(next).toBe('empty');
    expect(await producer.size(queue)).toBe(0);
    await rest.return?.();
  });
});
