import assert from 'node:assert/strict';
import { ErrorCodes, type Transport, TqError } from '@tq/core';
import { lacks, needs } from '../support/cases.js';
import { assertTqError } from '../support/errors.js';
import { sorted, tagged, tags } from '../support/messages.js';
import type { Receiver } from '../support/receiver.js';
import { sleep } from '../support/timing.js';
import type { TransportContext } from './context.js';
import type { TransportCases } from './cases.js';

/** Binds one queue per entry of `bindings`, publishes one message per routing key, and checks who got what. */
async function checkRouting(
  ctx: TransportContext,
  transport: Transport,
  exchange: string,
  bindings: Record<string, string[]>,
  routingKeys: string[],
  expected: Record<string, string[]>,
): Promise<void> {
  const receivers = new Map<string, Receiver>();
  for (const [label, patterns] of Object.entries(bindings)) {
    const queue = await ctx.queue(transport, label);
    for (const routingKey of patterns) await transport.bindQueue({ exchange, queue, routingKey });
    receivers.set(label, ctx.receive(transport, queue, { prefetch: 10, autoAck: true }));
  }
  for (const routingKey of routingKeys) {
    await transport.publish(tagged(`key:${routingKey}`), { exchange, routingKey });
  }
  for (const [label, keys] of Object.entries(expected)) {
    const receiver = receivers.get(label)!;
    const got = await receiver.take(keys.length, `queue ${label} (bound with ${bindings[label]!.join(', ')})`, ctx.timing.deadline);
    assert.deepStrictEqual(
      sorted(tags(got)),
      sorted(keys.map((key) => `key:${key}`)),
      `queue ${label} bound with [${bindings[label]!.join(', ')}] receives exactly the routing keys [${keys.join(', ')}]`,
    );
    for (const delivery of got) {
      const info = delivery.message.properties.deliveryInfo;
      assert.equal(info?.exchange, exchange, 'deliveryInfo.exchange names the exchange it was published to');
      assert.equal(`key:${info?.routingKey}`, tags([delivery])[0], 'deliveryInfo.routingKey is the key it was published with');
    }
  }
  await sleep(ctx.timing.quiet); // a wrongly routed copy would arrive in this window
  for (const [label, receiver] of receivers) await receiver.expectNothing(`queue ${label} gets nothing else`, 0);
}

export function registerExchangeCases(cases: TransportCases): void {
  cases.add({
    name: 'a direct exchange routes by exact routing key (or declareExchange refuses with TQ_NOT_SUPPORTED)',
    run: async (ctx) => {
      const transport = await ctx.transport();
      const exchange = ctx.exchangeName('direct');
      try {
        await transport.declareExchange({ name: exchange, type: 'direct', durable: false });
      } catch (error) {
        if (TqError.is(error, ErrorCodes.NOT_SUPPORTED)) return;
        throw error;
      }
      await checkRouting(
        ctx,
        transport,
        exchange,
        { a: ['alpha'], b: ['beta'], c: ['alpha', 'gamma'] },
        ['alpha', 'beta', 'gamma', 'unrouted'],
        { a: ['alpha'], b: ['beta'], c: ['alpha', 'gamma'] },
      );
    },
  });

  cases.add({
    name: 'a topic exchange routes by pattern: * is one word, # is zero or more',
    gate: needs('topic'),
    run: async (ctx) => {
      const transport = await ctx.transport();
      const exchange = ctx.exchangeName('topic');
      await transport.declareExchange({ name: exchange, type: 'topic', durable: false });
      await checkRouting(
        ctx,
        transport,
        exchange,
        { star: ['a.*'], hash: ['a.#'], tail: ['#.z'], exact: ['x.y.z'] },
        ['a', 'a.b', 'a.b.c', 'a.z', 'x.y.z', 'b.c'],
        { star: ['a.b', 'a.z'], hash: ['a', 'a.b', 'a.b.c', 'a.z'], tail: ['a.z', 'x.y.z'], exact: ['x.y.z'] },
      );
    },
  });

  cases.add({
    name: 'a fanout exchange copies each message to every bound queue, whatever the routing key',
    gate: needs('fanout'),
    run: async (ctx) => {
      const transport = await ctx.transport();
      const exchange = ctx.exchangeName('fanout');
      await transport.declareExchange({ name: exchange, type: 'fanout', durable: false });
      await checkRouting(
        ctx,
        transport,
        exchange,
        { one: [''], two: ['ignored'] },
        ['k1', 'k2'],
        { one: ['k1', 'k2'], two: ['k1', 'k2'] },
      );
    },
  });

  cases.add({
    name: 'declaring a topic exchange is refused with TQ_NOT_SUPPORTED',
    gate: lacks('topic'),
    run: async (ctx) => {
      const transport = await ctx.transport();
      await assertTqError(
        'declareExchange({type: topic}) without capabilities.topic',
        () => transport.declareExchange({ name: ctx.exchangeName('topic'), type: 'topic', durable: false }),
        ErrorCodes.NOT_SUPPORTED,
      );
    },
  });
}
