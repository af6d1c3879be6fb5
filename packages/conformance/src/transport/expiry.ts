import assert from 'node:assert/strict';
import { needs } from '../support/cases.js';
import { tagged, tagOf } from '../support/messages.js';
import { sleep } from '../support/timing.js';
import type { TransportCases } from './cases.js';

export function registerExpiryCases(cases: TransportCases): void {
  cases.add({
    name: 'a message not delivered within expiresMs is dropped',
    gate: needs('nativeTtl'),
    run: async (ctx) => {
      const transport = await ctx.transport();
      const queue = await ctx.queue(transport);
      const expiresMs = ctx.timing.ms(300);
      await transport.publish(tagged('expiring'), { queue, expiresMs });
      await sleep(expiresMs * 3);
      await transport.publish(tagged('marker'), { queue });
      const receiver = ctx.receive(transport, queue, { autoAck: true });
      const first = await receiver.next('the marker published after the expiry', ctx.timing.deadline);
      assert.equal(tagOf(first), 'marker', `a message published with expiresMs ${expiresMs} was delivered ${expiresMs * 3} ms later`);
      await receiver.expectNothing('the expired message must not arrive', ctx.timing.quiet);
    },
  });

  cases.add({
    name: 'a message consumed before expiresMs passes is delivered normally',
    gate: needs('nativeTtl'),
    run: async (ctx) => {
      const transport = await ctx.transport();
      const queue = await ctx.queue(transport);
      const receiver = ctx.receive(transport, queue);
      await transport.publish(tagged('in-time'), { queue, expiresMs: ctx.timing.deadline * 2 });
      const delivery = await receiver.next('the message with a long expiresMs', ctx.timing.deadline);
      assert.equal(tagOf(delivery), 'in-time');
      await delivery.ack();
    },
  });
}
