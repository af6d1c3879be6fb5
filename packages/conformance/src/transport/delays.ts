import assert from 'node:assert/strict';
import { ErrorCodes } from '@tq/core';
import { lacks, needs } from '../support/cases.js';
import { assertTqError } from '../support/errors.js';
import { assertIncludes, tagged, tagOf } from '../support/messages.js';
import type { TransportCases } from './cases.js';

export function registerDelayCases(cases: TransportCases): void {
  cases.add({
    name: 'a delayed message is not delivered before its delay and does not hold back a ready one',
    gate: needs('delayedDelivery'),
    run: async (ctx) => {
      const transport = await ctx.transport();
      const queue = await ctx.queue(transport);
      const delayMs = ctx.timing.ms(1500);
      const receiver = ctx.receive(transport, queue, { prefetch: 2 });
      const delayedMessage = tagged('delayed', { headers: { eta: 'soon', nested: { ok: true } } });
      const sentAt = Date.now();
      await transport.publish(delayedMessage, { queue, delayMs });
      await transport.publish(tagged('ready'), { queue });
      const first = await receiver.next('the ready message', ctx.timing.deadline);
      assert.equal(tagOf(first), 'ready', 'the undelayed message, published second, comes first');
      await first.ack();
      const second = await receiver.next('the delayed message', ctx.timing.deadline + delayMs);
      const arrivedAfter = receiver.arrivals[1]! - sentAt;
      assert.equal(tagOf(second), 'delayed');
      // A little slack for clocks: the broker may stamp the delay a moment after sentAt, never before.
      assert.ok(
        arrivedAfter >= delayMs - ctx.timing.ms(50),
        `a message published with delayMs ${delayMs} arrived after only ${arrivedAfter} ms`,
      );
      assertIncludes(second.message.headers, delayedMessage.headers, 'headers of the delayed message');
      await second.ack();
    },
  });

  cases.add({
    name: 'delayed messages come out in the order they become due',
    gate: needs('delayedDelivery'),
    run: async (ctx) => {
      const transport = await ctx.transport();
      const queue = await ctx.queue(transport);
      const step = ctx.timing.ms(1000);
      await transport.publish(tagged('later'), { queue, delayMs: 2 * step });
      await transport.publish(tagged('sooner'), { queue, delayMs: step });
      const receiver = ctx.receive(transport, queue, { autoAck: true });
      const got = await receiver.take(2, 'both delayed messages', ctx.timing.deadline + 2 * step);
      assert.deepStrictEqual(got.map(tagOf), ['sooner', 'later']);
    },
  });

  cases.add({
    name: 'delayMs 0 delivers at once',
    gate: needs('delayedDelivery'),
    run: async (ctx) => {
      const transport = await ctx.transport();
      const queue = await ctx.queue(transport);
      await transport.publish(tagged('zero'), { queue, delayMs: 0 });
      const delivery = await ctx.receive(transport, queue).next('the message published with delayMs 0', ctx.timing.deadline);
      assert.equal(tagOf(delivery), 'zero');
      await delivery.ack();
    },
  });

  cases.add({
    name: 'publish with delayMs is refused with TQ_NOT_SUPPORTED rather than delivered early',
    gate: lacks('delayedDelivery'),
    run: async (ctx) => {
      const transport = await ctx.transport();
      const queue = await ctx.queue(transport);
      await assertTqError(
        'publish({delayMs}) on a transport without delayedDelivery',
        () => transport.publish(tagged('early?'), { queue, delayMs: 60_000 }),
        ErrorCodes.NOT_SUPPORTED,
      );
      await ctx.receive(transport, queue).expectNothing('the refused message must not be delivered', ctx.timing.quiet);
    },
  });
}
