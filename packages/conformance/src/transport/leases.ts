import assert from 'node:assert/strict';
import { ErrorCodes } from '@tq/core';
import { allOf, lacks, needs } from '../support/cases.js';
import { assertTqError, succeedsOrTqError } from '../support/errors.js';
import { tagged, tagOf } from '../support/messages.js';
import { sleep } from '../support/timing.js';
import type { TransportCases } from './cases.js';

/**
 * The suite cannot know an adapter's default lease, so every lease case sets the lease itself with extend(): a
 * short one to see the message come back, a long one to see it stay away.
 */
export function registerLeaseCases(cases: TransportCases): void {
  cases.add({
    name: 'deliveries have extend()',
    gate: needs('extendLease'),
    run: async (ctx) => {
      const transport = await ctx.transport();
      const queue = await ctx.queue(transport);
      await transport.publish(tagged('leased'), { queue });
      const delivery = await ctx.receive(transport, queue).next('the message', ctx.timing.deadline);
      assert.equal(typeof delivery.extend, 'function', 'capabilities.extendLease is true, so delivery.extend must be a function');
      await delivery.extend!(ctx.timing.deadline);
      await delivery.ack();
    },
  });

  cases.add({
    name: 'a delivery whose lease runs out is delivered again, marked redelivered',
    gate: allOf(needs('visibilityTimeout'), needs('extendLease')),
    run: async (ctx) => {
      const transport = await ctx.transport();
      const queue = await ctx.queue(transport);
      await transport.publish(tagged('lapsed'), { queue });
      const holder = ctx.receive(transport, queue);
      const held = await holder.next('the message', ctx.timing.deadline);
      const leaseMs = ctx.timing.ms(1000);
      await held.extend!(leaseMs);
      // The holder stops consuming (keeping the delivery) so the redelivery can only go to the other consumer.
      await holder.stop('stopping the consumer that holds the delivery', ctx.timing.deadline);
      const other = ctx.receive(await ctx.transport(), queue);
      const again = await other.next('the message after its lease ran out', ctx.timing.deadline + leaseMs);
      assert.equal(tagOf(again), 'lapsed');
      assert.equal(again.redelivered, true, 'a message whose lease ran out comes back with redelivered = true');
      if (held.deliveryCount !== undefined) assert.equal(again.deliveryCount, held.deliveryCount + 1, 'deliveryCount goes up');
      await again.ack();
      await succeedsOrTqError('ack() of the delivery whose lease ran out', () => held.ack());
      await other.expectNothing('acked once redelivered, the message stays gone', ctx.timing.quiet);
    },
  });

  cases.add({
    name: 'extend() keeps a delivery from coming back while it is worked on',
    gate: allOf(needs('visibilityTimeout'), needs('extendLease')),
    run: async (ctx) => {
      const transport = await ctx.transport();
      const queue = await ctx.queue(transport);
      await transport.publish(tagged('extended'), { queue });
      const holder = ctx.receive(transport, queue);
      const held = await holder.next('the message', ctx.timing.deadline);
      const short = ctx.timing.ms(1500);
      const startedAt = Date.now();
      await held.extend!(short);
      await holder.stop('stopping the consumer that holds the delivery', ctx.timing.deadline);
      await sleep(ctx.timing.ms(500));
      await held.extend!(ctx.timing.ms(6000));
      const other = ctx.receive(await ctx.transport(), queue);
      // Watch until well past the short lease: the second extend() must have replaced it.
      const watchMs = Math.max(short + ctx.timing.ms(1000) - (Date.now() - startedAt), ctx.timing.quiet);
      await other.expectNothing('an extended delivery must not be redelivered before its new lease ends', watchMs);
      await held.ack();
      await other.expectNothing('acked, the message stays gone', ctx.timing.quiet);
    },
  });

  cases.add({
    name: 'extend() is absent or refuses with TQ_NOT_SUPPORTED',
    gate: lacks('extendLease'),
    run: async (ctx) => {
      const transport = await ctx.transport();
      const queue = await ctx.queue(transport);
      await transport.publish(tagged('no-lease'), { queue });
      const delivery = await ctx.receive(transport, queue).next('the message', ctx.timing.deadline);
      if (delivery.extend !== undefined) {
        await assertTqError('extend() without capabilities.extendLease', () => delivery.extend!(1000), ErrorCodes.NOT_SUPPORTED);
      }
      await delivery.ack();
    },
  });
}
