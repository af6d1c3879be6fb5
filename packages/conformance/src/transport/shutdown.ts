import assert from 'node:assert/strict';
import { ErrorCodes, TqError } from '@tq/core';
import { range, sorted, tagged, tagOf, tags } from '../support/messages.js';
import { format, sleep, within } from '../support/timing.js';
import type { TransportCases } from './cases.js';

export function registerShutdownCases(cases: TransportCases): void {
  cases.add({
    name: 'aborting its signal ends a waiting consume loop without an error',
    run: async (ctx) => {
      const transport = await ctx.transport();
      const queue = await ctx.queue(transport);
      const receiver = ctx.receive(transport, queue);
      await sleep(ctx.timing.ms(200));
      await receiver.stop('aborting a consumer waiting on an empty queue', ctx.timing.deadline);
    },
  });

  cases.add({
    name: 'a consume loop given an already aborted signal ends at once and takes nothing',
    run: async (ctx) => {
      const transport = await ctx.transport();
      const queue = await ctx.queue(transport);
      await transport.publish(tagged('untouched'), { queue });
      const taken: string[] = [];
      const loop = (async () => {
        try {
          for await (const delivery of transport.consume([queue], { signal: AbortSignal.abort() })) taken.push(tagOf(delivery));
        } catch (error) {
          if (!TqError.is(error, ErrorCodes.ABORTED)) throw error;
        }
      })();
      await within('a consume loop with an aborted signal ending (normally, or with TQ_ABORTED)', loop, ctx.timing.deadline);
      assert.deepStrictEqual(taken, [], 'a consume loop whose signal was already aborted yields nothing');
      const delivery = await ctx.receive(transport, queue).next('the message, for the next consumer', ctx.timing.deadline);
      assert.equal(tagOf(delivery), 'untouched');
      await delivery.ack();
    },
  });

  cases.add({
    name: 'close() ends a running consume loop',
    run: async (ctx) => {
      const transport = await ctx.transport();
      const queue = await ctx.queue(transport);
      const receiver = ctx.receive(transport, queue);
      await sleep(ctx.timing.ms(200));
      await transport.close();
      await within('the consume loop ending when its transport closes', receiver.done, ctx.timing.deadline);
      const failure = receiver.failure;
      assert.ok(
        failure === undefined || TqError.is(failure, ErrorCodes.CLOSED),
        `a consume loop ends normally (or with TQ_CLOSED) when its transport closes, got ${format(failure)}`,
      );
    },
  });

  for (const how of ['breaks out of its loop (return())', 'aborts its signal, then asks for the next one'] as const) {
    cases.add({
      name: `messages fetched but not yielded go back to the queue when the consumer ${how}`,
      run: async (ctx) => {
        const transport = await ctx.transport();
        const queue = await ctx.queue(transport);
        const expected = range('fetched', 6);
        for (const tag of expected) await transport.publish(tagged(tag), { queue });
        const abort = new AbortController();
        const iterator = transport.consume([queue], { prefetch: 6, signal: abort.signal })[Symbol.asyncIterator]();
        const first = await within('the first delivery', iterator.next(), ctx.timing.deadline);
        assert.equal(first.done, false, 'the first next() yields a delivery');
        // Give the transport time to fetch ahead up to the prefetch before the consumer stops.
        await sleep(ctx.timing.ms(300));
        if (how.startsWith('breaks')) {
          await within<unknown>('iterator.return()', iterator.return?.() ?? Promise.resolve(), ctx.timing.deadline);
        } else {
          abort.abort();
          const after = await within('next() after the abort', iterator.next(), ctx.timing.deadline);
          assert.equal(after.done, true, 'next() after the signal aborted ends the iteration');
        }
        await first.value.ack();
        const second = ctx.receive(await ctx.transport(), queue, { prefetch: 10, autoAck: true });
        const got = await second.take(5, 'the 5 messages the first consumer did not yield', ctx.timing.deadline * 2);
        assert.deepStrictEqual(sorted([tagOf(first.value), ...tags(got)]), sorted(expected), 'no message lost or duplicated');
        await second.expectNothing('nothing more', ctx.timing.quiet);
      },
    });
  }
}
