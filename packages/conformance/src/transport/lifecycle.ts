import assert from 'node:assert/strict';
import { ErrorCodes } from '@tq/core';
import { assertTqError } from '../support/errors.js';
import { tagged, tagOf } from '../support/messages.js';
import type { TransportCases } from './cases.js';

export function registerLifecycleCases(cases: TransportCases): void {
  cases.add({
    name: 'publish, consume and declare connect by themselves, without connect()',
    run: async (ctx) => {
      const transport = await ctx.transport();
      const queue = await ctx.queue(transport);
      await transport.publish(tagged('no-connect'), { queue });
      const received = await ctx.receive(transport, queue).next('the message', ctx.timing.deadline);
      assert.equal(tagOf(received), 'no-connect');
      await received.ack();
    },
  });

  cases.add({
    name: 'connect() is idempotent, also when called concurrently',
    run: async (ctx) => {
      const transport = await ctx.transport();
      await Promise.all([transport.connect(), transport.connect(), transport.connect()]);
      await transport.connect();
      const queue = await ctx.queue(transport);
      await transport.publish(tagged('after-connects'), { queue });
      const received = await ctx.receive(transport, queue).next('the message', ctx.timing.deadline);
      assert.equal(tagOf(received), 'after-connects');
      await received.ack();
    },
  });

  cases.add({
    name: 'close() is idempotent; afterwards publish, declare and size fail with TQ_CLOSED',
    run: async (ctx) => {
      const transport = await ctx.transport();
      const queue = await ctx.queue(transport);
      await transport.close();
      await transport.close();
      await Promise.all([transport.close(), transport.close()]);
      await assertTqError('publish after close', () => transport.publish(tagged('late'), { queue }), ErrorCodes.CLOSED);
      await assertTqError('declareQueue after close', () => transport.declareQueue({ name: queue }), ErrorCodes.CLOSED);
      await assertTqError('size after close', () => transport.size(queue), ErrorCodes.CLOSED);
      await assertTqError('publishBatch after close', () => transport.publishBatch([{ message: tagged('late'), options: { queue } }]), ErrorCodes.CLOSED);
    },
  });

  cases.add({
    name: 'consuming from a closed transport fails with TQ_CLOSED',
    run: async (ctx) => {
      const transport = await ctx.transport();
      const queue = await ctx.queue(transport);
      await transport.close();
      await assertTqError(
        'consume() after close (a synchronous throw or a rejected first next() both count)',
        () => transport.consume([queue])[Symbol.asyncIterator]().next(),
        ErrorCodes.CLOSED,
      );
    },
  });

  cases.add({
    name: '[Symbol.asyncDispose] closes the transport',
    run: async (ctx) => {
      const transport = await ctx.transport();
      const queue = await ctx.queue(transport);
      assert.equal(typeof transport[Symbol.asyncDispose], 'function', 'transport[Symbol.asyncDispose] must be a function');
      await transport[Symbol.asyncDispose]();
      await assertTqError('publish after asyncDispose', () => transport.publish(tagged('late'), { queue }), ErrorCodes.CLOSED);
    },
  });

  cases.add({
    name: 'calls given an already aborted signal fail with TQ_ABORTED and do nothing',
    run: async (ctx) => {
      const transport = await ctx.transport();
      const queue = await ctx.queue(transport);
      const signal = AbortSignal.abort();
      await assertTqError('connect({signal: aborted})', () => transport.connect({ signal }), ErrorCodes.ABORTED);
      await assertTqError('declareQueue({signal: aborted})', () => transport.declareQueue({ name: queue }, { signal }), ErrorCodes.ABORTED);
      await assertTqError('publish({signal: aborted})', () => transport.publish(tagged('aborted'), { queue, signal }), ErrorCodes.ABORTED);
      await assertTqError(
        'publishBatch(…, {signal: aborted})',
        () => transport.publishBatch([{ message: tagged('aborted-batch'), options: { queue } }], { signal }),
        ErrorCodes.ABORTED,
      );
      await assertTqError('size({signal: aborted})', () => transport.size(queue, { signal }), ErrorCodes.ABORTED);
      await assertTqError('purge({signal: aborted})', () => transport.purge(queue, { signal }), ErrorCodes.ABORTED);

      await transport.publish(tagged('marker'), { queue });
      const receiver = ctx.receive(transport, queue, { autoAck: true });
      const first = await receiver.next('the marker published after the aborted publishes', ctx.timing.deadline);
      assert.equal(tagOf(first), 'marker', 'a publish whose signal was already aborted must not publish');
      await receiver.expectNothing('no aborted publish may arrive', ctx.timing.quiet);
    },
  });
}
