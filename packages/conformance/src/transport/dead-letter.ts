import assert from 'node:assert/strict';
import { needs } from '../support/cases.js';
import { assertIncludes, assertSameBytes, patternBytes, tagged, tagOf } from '../support/messages.js';
import type { TransportCases } from './cases.js';

export function registerDeadLetterCases(cases: TransportCases): void {
  cases.add({
    name: 'reject() without requeue moves the message to the dead-letter queue the queue names',
    gate: needs('deadLetter'),
    run: async (ctx) => {
      const transport = await ctx.transport();
      const deadLetterQueue = await ctx.queue(transport, 'dlq');
      const queue = await ctx.queue(transport, 'work', { deadLetterQueue });
      const original = tagged('doomed', { body: patternBytes(300), headers: { task: 'tasks.fail', retries: 3 } });
      await transport.publish(original, { queue });
      const work = ctx.receive(transport, queue);
      const delivery = await work.next('the message', ctx.timing.deadline);
      await delivery.reject();
      const dead = await ctx.receive(transport, deadLetterQueue).next('the message in the dead-letter queue', ctx.timing.deadline);
      assert.equal(tagOf(dead), 'doomed');
      assertSameBytes(dead.message.body, original.body, 'the dead-lettered body');
      assertIncludes(dead.message.headers, original.headers, 'dead-lettered headers');
      await dead.ack();
      await work.expectNothing('the message must not come back to its queue', ctx.timing.quiet);
    },
  });

  cases.add({
    name: 'without a declared dead-letter queue, rejected messages go to <queue>.dead',
    gate: needs('deadLetter'),
    run: async (ctx) => {
      const transport = await ctx.transport();
      const queue = await ctx.queue(transport, 'work');
      const deadLetterQueue = ctx.queueName('work.dead');
      assert.equal(deadLetterQueue, `${queue}.dead`);
      await transport.publish(tagged('to-default-dlq'), { queue });
      const delivery = await ctx.receive(transport, queue).next('the message', ctx.timing.deadline);
      await delivery.reject({ requeue: false });
      const dead = await ctx.receive(transport, deadLetterQueue).next(`the message in ${deadLetterQueue}`, ctx.timing.deadline);
      assert.equal(tagOf(dead), 'to-default-dlq');
      await dead.ack();
    },
  });
}
