import assert from 'node:assert/strict';
import { ErrorCodes } from '@tq/core';
import { lacks, needs } from '../support/cases.js';
import { assertTqError } from '../support/errors.js';
import { assertIncludes, tagged, tagOf } from '../support/messages.js';
import { format, sleep, within } from '../support/timing.js';
import type { TransportCases } from './cases.js';

export function registerBroadcastCases(cases: TransportCases): void {
  cases.add({
    name: 'every subscriber receives what is broadcast, with its exchange and routing key',
    gate: needs('fanout'),
    run: async (ctx) => {
      const sender = await ctx.transport();
      const exchange = ctx.exchangeName('bcast');
      const subscribers = [ctx.subscribe(sender, exchange), ctx.subscribe(await ctx.transport(), exchange)];
      // A subscription may take a moment to be bound on a real broker, so broadcast until every subscriber has
      // seen one; each broadcast has its own tag, so duplicates and corruption still show.
      const until = Date.now() + ctx.timing.deadline;
      let sent = 0;
      while (subscribers.some((s) => s.received.length === 0) && Date.now() < until) {
        for (const s of subscribers) if (s.failure()) assert.fail(`a subscription failed: ${format(s.failure())}`);
        await sender.broadcast(exchange, 'control.ping', tagged(`bcast-${sent++}`, { headers: { method: 'ping', arguments: { n: 1 } } }));
        await sleep(ctx.timing.ms(100));
      }
      await sleep(ctx.timing.ms(200));
      subscribers.forEach((subscriber, index) => {
        assert.ok(subscriber.received.length > 0, `subscriber ${index + 1} received none of ${sent} broadcasts within ${ctx.timing.deadline} ms`);
        const seen = subscriber.received.map((item) => tagOf(item.message));
        assert.equal(new Set(seen).size, seen.length, `subscriber ${index + 1} got a broadcast twice: ${seen.join(', ')}`);
        for (const item of subscriber.received) {
          assert.equal(item.exchange, exchange, 'BroadcastMessage.exchange');
          assert.equal(item.routingKey, 'control.ping', 'BroadcastMessage.routingKey');
          assert.match(tagOf(item.message), /^bcast-\d+$/);
          assertIncludes(item.message.headers, { method: 'ping', arguments: { n: 1 } }, 'broadcast headers');
        }
      });
    },
  });

  cases.add({
    name: 'a subscription ends when its signal aborts',
    gate: needs('fanout'),
    run: async (ctx) => {
      const transport = await ctx.transport();
      const abort = new AbortController();
      const iterator = transport.subscribe(ctx.exchangeName('bcast'), { signal: abort.signal })[Symbol.asyncIterator]();
      const next = iterator.next();
      await sleep(ctx.timing.ms(100));
      abort.abort();
      const result = await within('the subscription ending after its signal aborted', next, ctx.timing.deadline);
      assert.equal(result.done, true, 'a subscription whose signal aborted ends (done: true)');
    },
  });

  cases.add({
    name: 'broadcast and subscribe are refused with TQ_NOT_SUPPORTED',
    gate: lacks('fanout'),
    run: async (ctx) => {
      const transport = await ctx.transport();
      const exchange = ctx.exchangeName('bcast');
      await assertTqError('broadcast() without capabilities.fanout', () => transport.broadcast(exchange, 'k', tagged('b')), ErrorCodes.NOT_SUPPORTED);
      await assertTqError(
        'subscribe() without capabilities.fanout (a synchronous throw or a rejected first next())',
        () => transport.subscribe(exchange)[Symbol.asyncIterator]().next(),
        ErrorCodes.NOT_SUPPORTED,
      );
    },
  });
}
