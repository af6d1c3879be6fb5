import type { Delivery } from '@tq/core';
import { ErrorCodes, TqError } from '@tq/core';
import { afterEach, describe, expect, test } from 'vitest';
import { createAmqpTransport } from '../src/index.js';
import { AMQP_URL, Fixture, forceCloseConnections, message, rabbitUp, take, text, uniqueName, waitFor } from './helpers.js';

const fx = new Fixture();
afterEach(() => fx.cleanup());

/** Consumes in the background, acking everything, until stopped. */
function drain(iterable: AsyncIterable<Delivery>) {
  const seen: string[] = [];
  const done = (async () => {
    for await (const delivery of iterable) {
      seen.push(text(delivery));
      await delivery.ack().catch(() => {});
    }
  })();
  return { seen, done };
}

describe.skipIf(!rabbitUp)('recovering from connection loss (RabbitMQ, connection force-closed by the server)', () => {
  test('consumers resume and publishes made during the outage arrive', async () => {
    const name = uniqueName('conn');
    const t = fx.transport({ connectionName: name });
    const queue = fx.queue('reconnect');
    await t.declareQueue({ name: queue });
    const controller = new AbortController();
    const consumer = drain(t.consume([queue], { prefetch: 5, signal: controller.signal }));
    for (let i = 0; i < 5; i += 1) await t.publish(message(`before-${i}`), { queue });
    await waitFor(() => consumer.seen.length === 5, 10_000, 'first five consumed');

    // Keep publishing while the server closes the connection: publishes in flight at that moment are sent again,
    // publishes made while it is down wait for the reconnect. Every one of them must succeed.
    let publishing = true;
    const sent: string[] = [];
    const publisher = (async () => {
      for (let i = 0; publishing || i < 5; i += 1) {
        const body = `during-${i}`;
        await Promise.all([t.publish(message(body), { queue }), new Promise((resolve) => setTimeout(resolve, 10))]);
        sent.push(body);
      }
    })();
    expect(await forceCloseConnections(name)).toBe(1);
    await waitFor(() => t.connection.current !== undefined && t.connection.current.generation > 1, 20_000, 'reconnected');
    await new Promise((resolve) => setTimeout(resolve, 300));
    publishing = false;
    await publisher;
    const expected = new Set([...[...Array(5)].map((_, i) => `before-${i}`), ...sent]);
    // At-least-once: a publish in flight at the cut may arrive twice, none may be missing.
    await waitFor(() => expected.size === new Set(consumer.seen).size, 20_000, 'everything consumed after the reconnect');
    expect(new Set(consumer.seen)).toEqual(expected);
    controller.abort();
    await consumer.done;
  }, 60_000);

  test('a delivery held across the outage is not acked on the new connection: ack fails loudly and the broker redelivers it', async () => {
    const name = uniqueName('conn');
    const t = fx.transport({ connectionName: name });
    const queue = fx.queue('held');
    await t.declareQueue({ name: queue });
    await t.publish(message('in flight'), { queue });
    const iterator = t.consume([queue])[Symbol.asyncIterator]();
    const [held] = await take(iterator, 1);
    expect(held!.redelivered).toBe(false);
    await forceCloseConnections(name);
    await waitFor(() => t.connection.current !== undefined && t.connection.current.generation > 1, 20_000, 'reconnected');
    const error = await held!.ack().catch((e: unknown) => e);
    expect(TqError.is(error, ErrorCodes.CONNECTION_LOST)).toBe(true);
    const [again] = await take(iterator, 1, 20_000);
    expect(text(again!)).toBe('in flight');
    expect(again!.redelivered).toBe(true);
    await again!.ack();
    await iterator.return!();
  }, 60_000);

  test('a queue deleted under a consumer is declared again and consumption goes on', async () => {
    const t = fx.transport();
    const queue = fx.queue('deleted');
    await t.declareQueue({ name: queue, maxPriority: 3 });
    const iterator = t.consume([queue])[Symbol.asyncIterator]();
    // Start consuming (the session starts on the first next()).
    const first = iterator.next();
    await waitFor(async () => (await t.size(queue)) === 0 && t.connection.current !== undefined, 5_000, 'consumer started');
    await new Promise((resolve) => setTimeout(resolve, 200));
    const other = fx.transport();
    await other.deleteQueue(queue);
    // Publishing is refused (unroutable) until the consumer has declared the queue again.
    await waitFor(() => other.publish(message('back'), { queue }).then(() => true, () => false), 20_000, 'queue redeclared');
    const delivery = (await first).value!;
    expect(text(delivery)).toBe('back');
    await delivery.ack();
    await iterator.return!();
  }, 60_000);

  test('with the broker unreachable, publish fails with TQ_CONNECTION_LOST after connectionTimeoutMs', async () => {
    const t = createAmqpTransport({ url: 'amqp://guest:guest@127.0.0.1:1//', connectionTimeoutMs: 500, reconnect: { initialDelayMs: 50, maxDelayMs: 100 } });
    try {
      const started = Date.now();
      const error = await t.publish(message('nowhere'), { queue: 'q' }).catch((e: unknown) => e);
      expect(TqError.is(error, ErrorCodes.CONNECTION_LOST)).toBe(true);
      expect((error as TqError).retryable).toBe(true);
      expect(Date.now() - started).toBeGreaterThanOrEqual(450);
    } finally {
      await t.close();
    }
  });

  test('wrong credentials fail connect() with TQ_BROKER_REFUSED instead of waiting', async () => {
    const t = createAmqpTransport({ url: AMQP_URL.replace('guest:guest', 'guest:wrong-password'), connectionTimeoutMs: 10_000 });
    try {
      await expect(t.connect()).rejects.toMatchObject({ code: ErrorCodes.BROKER_REFUSED });
    } finally {
      await t.close();
    }
  });
});
