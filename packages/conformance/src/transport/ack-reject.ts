import assert from 'node:assert/strict';
import { succeedsOrTqError } from '../support/errors.js';
import { assertIncludes, assertSameBytes, tagged, tagOf, TAG_HEADER } from '../support/messages.js';
import { eventually, within } from '../support/timing.js';
import type { TransportCases } from './cases.js';

export function registerAckRejectCases(cases: TransportCases): void {
  cases.add({
    name: 'an acked message is gone: not delivered again, not counted',
    run: async (ctx) => {
      const first = await ctx.transport();
      const queue = await ctx.queue(first);
      await first.publish(tagged('acked'), { queue });
      const receiver = ctx.receive(first, queue);
      const delivery = await receiver.next('the message', ctx.timing.deadline);
      await delivery.ack();
      await receiver.stop('stopping the consumer', ctx.timing.deadline);
      await first.close();
      const second = await ctx.transport();
      await ctx.receive(second, queue).expectNothing('an acked message must not come back', ctx.timing.quiet * 2);
      await eventually('size() is 0 after the ack', async () => {
        const size = await second.size(queue);
        return { ok: size === 0, seen: size };
      }, ctx.timing.deadline);
    },
  });

  cases.add({
    name: 'reject({requeue: true}) delivers the message again, marked redelivered',
    run: async (ctx) => {
      const transport = await ctx.transport();
      const queue = await ctx.queue(transport);
      const original = tagged('requeued', { headers: { 'x-extra': [1, { two: 2 }] } });
      await transport.publish(original, { queue });
      const receiver = ctx.receive(transport, queue);
      const first = await receiver.next('the first delivery', ctx.timing.deadline);
      assert.equal(first.redelivered, false, 'the first delivery is not redelivered');
      await first.reject({ requeue: true });
      const again = await receiver.next('the requeued message', ctx.timing.deadline);
      assert.equal(tagOf(again), 'requeued');
      assert.equal(again.redelivered, true, 'a requeued message comes back with redelivered = true');
      if (first.deliveryCount !== undefined) {
        assert.equal(again.deliveryCount, first.deliveryCount + 1, 'deliveryCount goes up by one per delivery');
      }
      assertSameBytes(again.message.body, original.body, 'the requeued body');
      assertIncludes(again.message.headers, original.headers, 'the requeued headers');
      await again.ack();
      await receiver.expectNothing('nothing after the ack', ctx.timing.quiet);
    },
  });

  cases.add({
    name: 'reject() without requeue never delivers the message on its queue again',
    run: async (ctx) => {
      const transport = await ctx.transport();
      const queue = await ctx.queue(transport);
      await transport.publish(tagged('rejected'), { queue });
      const receiver = ctx.receive(transport, queue);
      const delivery = await receiver.next('the message', ctx.timing.deadline);
      await delivery.reject();
      await receiver.expectNothing('a message rejected without requeue must not come back', ctx.timing.quiet * 2);
    },
  });

  cases.add({
    name: 'settling a delivery twice succeeds or fails with a TqError, and the transport keeps working',
    run: async (ctx) => {
      const transport = await ctx.transport();
      const queue = await ctx.queue(transport);
      await transport.publish(tagged('twice'), { queue });
      const receiver = ctx.receive(transport, queue);
      const delivery = await receiver.next('the message', ctx.timing.deadline);
      await delivery.ack();
      await succeedsOrTqError('a second ack()', () => delivery.ack());
      await succeedsOrTqError('reject() after ack()', () => delivery.reject({ requeue: true }));
      await transport.publish(tagged('next'), { queue });
      const next = await receiver.next('a message published after the double settle', ctx.timing.deadline);
      assert.equal(tagOf(next), 'next', 'the acked message must not come back, even after a reject({requeue}) on it');
      await next.ack();
      await receiver.expectNothing('nothing else', ctx.timing.quiet);
    },
  });

  cases.add({
    name: 'deliveries can be acked or rejected after their consume loop stopped (warm shutdown)',
    run: async (ctx) => {
      const transport = await ctx.transport();
      const queue = await ctx.queue(transport);
      await transport.publish(tagged('finish-and-ack'), { queue });
      await transport.publish(tagged('finish-and-requeue'), { queue });
      const receiver = ctx.receive(transport, queue, { prefetch: 2 });
      const got = await receiver.take(2, 'both messages', ctx.timing.deadline);
      await receiver.stop('stopping the consumer with two deliveries in hand', ctx.timing.deadline);
      const byTag = new Map(got.map((delivery) => [tagOf(delivery), delivery]));
      await byTag.get('finish-and-ack')!.ack();
      await byTag.get('finish-and-requeue')!.reject({ requeue: true });
      const after = ctx.receive(transport, queue);
      const again = await after.next('the message requeued after its consumer stopped', ctx.timing.deadline);
      assert.equal(tagOf(again), 'finish-and-requeue', 'only the requeued message comes back');
      assert.equal(again.redelivered, true);
      await again.ack();
      await after.expectNothing('the message acked after the stop must not come back', ctx.timing.quiet);
    },
  });

  cases.add({
    name: 'deliveries left unacked when a transport closes are delivered again through another instance',
    run: async (ctx) => {
      const first = await ctx.transport();
      const queue = await ctx.queue(first);
      await first.publish(tagged('orphan'), { queue });
      const receiver = ctx.receive(first, queue);
      const held = await receiver.next('the message', ctx.timing.deadline);
      await first.close();
      await within('the consume loop ending when its transport closes', receiver.done, ctx.timing.deadline);
      const second = await ctx.transport();
      const again = await ctx
        .receive(second, queue)
        .next('the message left unacked by the closed transport', ctx.timing.deadline * 2);
      assert.equal(tagOf(again), 'orphan');
      assert.equal(again.message.headers[TAG_HEADER], 'orphan');
      assert.equal(again.redelivered, true, 'a message whose consumer went away comes back with redelivered = true');
      await again.ack();
      await succeedsOrTqError('ack() on a delivery of the closed transport', () => held.ack());
    },
  });
}
