import { afterEach, describe, expect, test } from 'vitest';
import { DELAY_LEVELS, MAX_DELAY_MS } from '../src/index.js';
import { Fixture, message, rabbitUp, take, text } from './helpers.js';

const fx = new Fixture();
afterEach(() => fx.cleanup());

/** A transport with this file's private delay levels (removed by the fixture). */
function delayedTransport() {
  return { t: fx.transport(), prefix: fx.delayPrefix };
}

describe.skipIf(!rabbitUp)('broker-side delays (RabbitMQ TTL + dead-letter levels)', () => {
  test('a delayed message is not delivered before its delay, then arrives with its plain route', async () => {
    const { t } = delayedTransport();
    const queue = fx.queue('delay');
    await t.declareQueue({ name: queue });
    const sentAt = Date.now();
    await t.publish(message('later', { headers: { id: 'd-1', task: 't', eta: '2030-01-01T00:00:00Z' } }), { queue, delayMs: 1200, expiresMs: 60_000 });
    // Nothing is waiting in the destination queue, and nothing is held unacked by anyone.
    expect(await t.size(queue)).toBe(0);
    const iterator = t.consume([queue])[Symbol.asyncIterator]();
    const [delivery] = await take(iterator, 1, 15_000);
    expect(Date.now() - sentAt).toBeGreaterThanOrEqual(1200);
    expect(text(delivery!)).toBe('later');
    expect(delivery!.message.properties.deliveryInfo).toMatchObject({ exchange: '', routingKey: queue });
    expect(delivery!.message.headers).toEqual({ id: 'd-1', task: 't', eta: '2030-01-01T00:00:00Z' });
    // The per-message TTL would have fired inside the levels; it is dropped (the eta/expires headers remain).
    expect(delivery!.message.properties.expiration).toBeUndefined();
    await delivery!.ack();
    await iterator.return!();
  });

  test('messages with different delays come out in delay order', async () => {
    const { t } = delayedTransport();
    const queue = fx.queue('delay-order');
    await t.declareQueue({ name: queue });
    await t.publishBatch([
      { message: message('third'), options: { queue, delayMs: 1500 } },
      { message: message('first'), options: { queue, delayMs: 300 } },
      { message: message('second'), options: { queue, delayMs: 900 } },
      { message: message('now'), options: { queue } },
    ]);
    const iterator = t.consume([queue], { prefetch: 10 })[Symbol.asyncIterator]();
    const got: string[] = [];
    for (let i = 0; i < 4; i += 1) {
      const [delivery] = await take(iterator, 1, 15_000);
      got.push(text(delivery!));
      await delivery!.ack();
    }
    expect(got).toEqual(['now', 'first', 'second', 'third']);
    await iterator.return!();
  });

  test('a 30-day countdown is parked in the broker (level 31), not in the queue or a consumer', async () => {
    const { t, prefix } = delayedTransport();
    const queue = fx.queue('delay-long');
    await t.declareQueue({ name: queue });
    const thirtyDays = 30 * 24 * 3600 * 1000;
    await t.publish(message('next month'), { queue, delayMs: thirtyDays });
    expect(Math.floor(Math.log2(thirtyDays))).toBe(31);
    expect(await t.size(`${prefix}.31`)).toBe(1);
    expect(await t.size(queue)).toBe(0);
    expect(thirtyDays).toBeLessThan(MAX_DELAY_MS);
  });

  test('delays beyond the top level are clamped to MAX_DELAY_MS (~795 days), not refused', async () => {
    const { t, prefix } = delayedTransport();
    const queue = fx.queue('delay-max');
    await t.declareQueue({ name: queue });
    await t.publish(message('far'), { queue, delayMs: MAX_DELAY_MS * 4 });
    expect(await t.size(`${prefix}.${DELAY_LEVELS - 1}`)).toBe(1);
  });

  test('a delayed publish to an exchange is TQ_NOT_SUPPORTED; to a missing queue TQ_BROKER_REFUSED', async () => {
    const { t } = delayedTransport();
    await expect(t.publish(message('x'), { exchange: 'amq.direct', routingKey: 'k', delayMs: 1000 })).rejects.toMatchObject({ code: 'TQ_NOT_SUPPORTED' });
    await expect(t.publish(message('x'), { queue: 'tqtest.no-such-queue.d1', delayMs: 1000 })).rejects.toMatchObject({ code: 'TQ_BROKER_REFUSED' });
  });
});
