import assert from 'node:assert/strict';
import { ErrorCodes, type TransportMessage } from '@tq/core';
import { gate } from '../support/cases.js';
import { assertTqError, succeedsOrTqError } from '../support/errors.js';
import { assertSameBytes, patternBytes, tagged, tagOf, textOf } from '../support/messages.js';
import type { TransportCases } from './cases.js';

const ONE_MIB = 1024 * 1024;
const LARGEST_TESTED = 64 * ONE_MIB;

export function registerBadInputCases(cases: TransportCases): void {
  cases.add({
    name: 'publish with neither queue nor exchange is refused with a TqError',
    run: async (ctx) => {
      const transport = await ctx.transport();
      await assertTqError('publish(message, {})', () => transport.publish(tagged('nowhere'), {}), 'any');
    },
  });

  cases.add({
    name: 'a large message (half of maxMessageBytes, at most 1 MiB) round-trips intact',
    run: async (ctx) => {
      const transport = await ctx.transport();
      const queue = await ctx.queue(transport);
      const size = Math.floor(Math.min(ctx.capabilities.maxMessageBytes / 2, ONE_MIB));
      const body = patternBytes(size);
      await transport.publish(tagged('large', { body }), { queue });
      const delivery = await ctx.receive(transport, queue).next(`the ${size}-byte message`, ctx.timing.deadline);
      assertSameBytes(delivery.message.body, body, `the ${size}-byte body`);
      await delivery.ack();
    },
  });

  cases.add({
    name: 'a message over maxMessageBytes is refused with TQ_MESSAGE_TOO_LARGE, never truncated',
    gate: gate('maxMessageBytes', (c) =>
      Number.isFinite(c.maxMessageBytes) && c.maxMessageBytes <= LARGEST_TESTED
        ? undefined
        : `capabilities.maxMessageBytes is ${c.maxMessageBytes}: no limit small enough to test`,
    ),
    run: async (ctx) => {
      const transport = await ctx.transport();
      const queue = await ctx.queue(transport);
      const body = patternBytes(ctx.capabilities.maxMessageBytes + 1);
      await assertTqError(
        `publishing ${body.byteLength} bytes (maxMessageBytes ${ctx.capabilities.maxMessageBytes})`,
        () => transport.publish(tagged('too-large', { body }), { queue }),
        ErrorCodes.MESSAGE_TOO_LARGE,
      );
      await transport.publish(tagged('small'), { queue });
      const receiver = ctx.receive(transport, queue, { autoAck: true });
      const first = await receiver.next('a small message after the refused one', ctx.timing.deadline);
      assert.equal(tagOf(first), 'small', 'the oversized message must not be delivered in any form');
      await receiver.expectNothing('nothing else', ctx.timing.quiet);
    },
  });

  cases.add({
    name: 'a body that is not bytes is refused with a TqError or delivered intact, never a crash',
    run: async (ctx) => {
      const transport = await ctx.transport();
      const queue = await ctx.queue(transport);
      const bad = { ...tagged('string-body'), body: 'not bytes' } as unknown as TransportMessage;
      const outcome = await succeedsOrTqError('publish with a string body', () => transport.publish(bad, { queue }));
      await transport.publish(tagged('marker'), { queue });
      const receiver = ctx.receive(transport, queue, { autoAck: true });
      if (outcome === 'ok') {
        const delivered = await receiver.take(2, 'the string-bodied message and the marker', ctx.timing.deadline);
        const odd = delivered.find((d) => tagOf(d) === 'string-body');
        assert.ok(odd, 'an accepted publish must be delivered');
        assert.equal(textOf(odd.message.body), 'not bytes', 'an accepted string body is delivered as its UTF-8 bytes');
      } else {
        const first = await receiver.next('the marker', ctx.timing.deadline);
        assert.equal(tagOf(first), 'marker', 'a refused publish must not deliver anything');
      }
    },
  });

  cases.add({
    name: 'publishing to an undeclared exchange fails with a TqError or is dropped, and the transport keeps working',
    run: async (ctx) => {
      const transport = await ctx.transport();
      const queue = await ctx.queue(transport);
      await succeedsOrTqError('publish to an exchange never declared', () =>
        transport.publish(tagged('lost'), { exchange: ctx.exchangeName('never-declared'), routingKey: queue }),
      );
      const body = patternBytes(64);
      await transport.publish(tagged('after', { body }), { queue });
      const delivery = await ctx.receive(transport, queue).next('a message published afterwards', ctx.timing.deadline);
      assert.equal(tagOf(delivery), 'after');
      assertSameBytes(delivery.message.body, body, 'its body');
      await delivery.ack();
    },
  });
}
