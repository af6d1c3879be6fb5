import assert from 'node:assert/strict';
import { range, sorted, tagged, tagOf, tags } from '../support/messages.js';
import type { TransportCases } from './cases.js';

export function registerPrefetchCases(cases: TransportCases): void {
  cases.add({
    name: 'a consumer has at most `prefetch` unacked deliveries; an ack lets the next one through',
    run: async (ctx) => {
      const transport = await ctx.transport();
      const queue = await ctx.queue(transport);
      for (const tag of range('p', 5)) await transport.publish(tagged(tag), { queue });
      const receiver = ctx.receive(transport, queue, { prefetch: 2 });
      const held = await receiver.take(2, 'the first two messages', ctx.timing.deadline);
      await receiver.expectNothing('with prefetch 2 and two unacked, no third delivery', ctx.timing.quiet);
      await held[0]!.ack();
      const third = await receiver.next('a third delivery once one was acked', ctx.timing.deadline);
      await receiver.expectNothing('still at most two unacked', ctx.timing.quiet);
      for (const delivery of [held[1]!, third]) await delivery.ack();
      const rest = await receiver.take(2, 'the last two messages', ctx.timing.deadline);
      for (const delivery of rest) await delivery.ack();
      assert.deepStrictEqual(sorted(tags([...held, third, ...rest])), sorted(range('p', 5)), 'each message once');
    },
  });

  cases.add({
    name: 'messages beyond one consumer’s prefetch go to another consumer',
    run: async (ctx) => {
      const one = await ctx.transport();
      const two = await ctx.transport();
      const queue = await ctx.queue(one);
      for (const tag of range('spill', 5)) await one.publish(tagged(tag), { queue });
      const greedy = ctx.receive(one, queue, { prefetch: 2 });
      const held = await greedy.take(2, 'two messages for the first consumer', ctx.timing.deadline);
      const other = ctx.receive(two, queue, { prefetch: 10, autoAck: true });
      const rest = await other.take(3, 'the three messages the first consumer may not hold', ctx.timing.deadline);
      assert.deepStrictEqual(sorted(tags([...held, ...rest])), sorted(range('spill', 5)), 'each message once');
      for (const delivery of held) await delivery.ack();
      await greedy.expectNothing('nothing more for the first consumer', ctx.timing.quiet);
    },
  });

  cases.add({
    name: 'the default prefetch is 1',
    run: async (ctx) => {
      const transport = await ctx.transport();
      const queue = await ctx.queue(transport);
      for (const tag of range('d', 2)) await transport.publish(tagged(tag), { queue });
      const receiver = ctx.receive(transport, queue, { prefetch: 'default' });
      const first = await receiver.next('the first message', ctx.timing.deadline);
      await receiver.expectNothing('consume() without prefetch holds one unacked delivery at a time', ctx.timing.quiet);
      await first.ack();
      const second = await receiver.next('the second message after the ack', ctx.timing.deadline);
      assert.notEqual(tagOf(second), tagOf(first));
      await second.ack();
    },
  });
}
