import assert from 'node:assert/strict';
import type { PublishOptions, TransportMessage } from '@tq/core';
import { needs } from '../support/cases.js';
import { tagged, tags } from '../support/messages.js';
import { eventually } from '../support/timing.js';
import type { TransportCases } from './cases.js';

interface Planned {
  tag: string;
  /** The priority the message should be ordered by. */
  effective: number;
  message: TransportMessage;
  options: PublishOptions;
}

/**
 * Uses at most three levels (0, the middle, the top of min(maxPriority, 9)): brokers that honour only a few
 * distinct levels (Redis's priority steps) still keep those three apart.
 */
function plan(queue: string, top: number): Planned[] {
  const levels = top >= 2 ? [0, Math.floor(top / 2), top] : [0, top];
  const planned: Planned[] = [];
  for (let round = 0; round < 4; round++) {
    const order = round % 2 === 0 ? levels : [...levels].reverse();
    for (const level of order) {
      const tag = `p${level}-${round}`;
      // Half carry the priority in the message properties, half in the publish options.
      const viaOptions = (round + level) % 2 === 0;
      planned.push({
        tag,
        effective: level,
        message: tagged(tag, viaOptions ? {} : { properties: { correlationId: tag, priority: level } }),
        options: viaOptions ? { queue, priority: level } : { queue },
      });
    }
  }
  planned.push({ tag: 'unset', effective: 0, message: tagged('unset'), options: { queue } });
  planned.push({
    tag: 'override',
    effective: top,
    message: tagged('override', { properties: { correlationId: 'override', priority: 0 } }),
    options: { queue, priority: top },
  });
  return planned;
}

export function registerPriorityCases(cases: TransportCases): void {
  cases.add({
    name: 'higher priority first, first-in first-out within a priority; options.priority overrides the property',
    gate: needs('priorities'),
    run: async (ctx) => {
      const transport = await ctx.transport();
      const top = Math.min(ctx.capabilities.maxPriority, 9);
      const queue = await ctx.queue(transport, 'prio', { maxPriority: top });
      const planned = plan(queue, top);
      for (const item of planned) await transport.publish(item.message, item.options);
      await eventually('all messages are in the queue before consuming starts', async () => {
        const size = await transport.size(queue);
        return { ok: size >= planned.length, seen: size };
      }, ctx.timing.deadline);
      const expected = planned
        .map((item, position) => ({ ...item, position }))
        .sort((a, b) => b.effective - a.effective || a.position - b.position)
        .map((item) => item.tag);
      const got = await ctx
        .receive(transport, queue, { prefetch: 1, autoAck: true })
        .take(planned.length, 'every prioritised message', ctx.timing.deadline);
      assert.deepStrictEqual(
        tags(got),
        expected,
        `with levels 0..${top}: priority order, publish order within a level ('unset' counts as 0, 'override' as ${top})`,
      );
    },
  });
}
