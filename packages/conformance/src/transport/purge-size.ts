import assert from 'node:assert/strict';
import { range, tagged, tagOf } from '../support/messages.js';
import { eventually } from '../support/timing.js';
import type { Transport } from '@tq/core';
import type { TransportCases } from './cases.js';

function sizeIs(transport: Transport, queue: string, expected: number) {
  return async () => {
    const size = await transport.size(queue);
    return { ok: size === expected, seen: size };
  };
}

export function registerPurgeSizeCases(cases: TransportCases): void {
  cases.add({
    name: 'size() counts ready messages and purge() removes them, returning how many',
    run: async (ctx) => {
      const transport = await ctx.transport();
      const queue = await ctx.queue(transport);
      for (const tag of range('s', 5)) await transport.publish(tagged(tag), { queue });
      await eventually('size() reaches 5 after 5 publishes', sizeIs(transport, queue, 5), ctx.timing.deadline);
      const purged = await transport.purge(queue);
      assert.equal(purged, 5, 'purge() returns how many messages it removed');
      await eventually('size() is 0 after purge()', sizeIs(transport, queue, 0), ctx.timing.deadline);
      const receiver = ctx.receive(transport, queue, { autoAck: true });
      await receiver.expectNothing('purged messages must not be delivered', ctx.timing.quiet);
      await transport.publish(tagged('after-purge'), { queue });
      const delivery = await receiver.next('a message published after the purge', ctx.timing.deadline);
      assert.equal(tagOf(delivery), 'after-purge', 'the queue stays usable after purge()');
    },
  });

  cases.add({
    name: 'size() and purge() of an empty queue are 0',
    run: async (ctx) => {
      const transport = await ctx.transport();
      const queue = await ctx.queue(transport);
      assert.equal(await transport.size(queue), 0, 'size() of a new queue');
      assert.equal(await transport.purge(queue), 0, 'purge() of an empty queue');
    },
  });

  cases.add({
    name: 'deleteQueue() removes the queue with its messages; deleting twice is fine',
    run: async (ctx) => {
      const transport = await ctx.transport();
      const queue = await ctx.queue(transport);
      for (const tag of range('del', 3)) await transport.publish(tagged(tag), { queue });
      await eventually('size() reaches 3', sizeIs(transport, queue, 3), ctx.timing.deadline);
      await transport.deleteQueue(queue);
      await transport.deleteQueue(queue);
      await transport.declareQueue({ name: queue, durable: false });
      await eventually('a re-declared queue starts empty', sizeIs(transport, queue, 0), ctx.timing.deadline);
      await ctx.receive(transport, queue).expectNothing('messages of a deleted queue must not be delivered', ctx.timing.quiet);
    },
  });
}
