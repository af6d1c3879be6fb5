import assert from 'node:assert/strict';
import { ErrorCodes, TqError } from '@tq/core';
import { assertTqError } from '../support/errors.js';
import type { PoolCases } from './suite.js';
import { expectFailure, expectSuccess, maxOverlap } from './outcomes.js';

export function registerRunCases(cases: PoolCases): void {
  cases.add({
    name: 'runs a job and returns its value; stats name the pool',
    run: async (ctx) => {
      const pool = await ctx.pool(2);
      assert.equal(expectSuccess('pool.add', await ctx.run(pool, 'pool.add', [2, 3])), 5);
      const stats = pool.stats();
      assert.equal(stats.name, pool.name);
      assert.equal(stats.concurrency, pool.concurrency);
      assert.ok(pool.concurrency >= 1 && pool.concurrency <= 2, `concurrency ${pool.concurrency} for a pool asked for 2 (solo pools stay at 1)`);
    },
  });

  cases.add({
    name: 'structured values (dates, bytes, maps, nested data) survive the trip both ways',
    run: async (ctx) => {
      const pool = await ctx.pool(1);
      const value = {
        when: new Date(Date.UTC(2024, 1, 29, 12)),
        bytes: new Uint8Array([0, 1, 254, 255]),
        map: new Map<string, unknown>([['k', [1, 'two', null]]]),
        nested: { list: [1.5, true, 'x', { deep: [] }], empty: {} },
        big: Number.MAX_SAFE_INTEGER,
        text: 'ünïcødé ✓',
      };
      assert.deepStrictEqual(expectSuccess('pool.echo', await ctx.run(pool, 'pool.echo', [value])), value);
    },
  });

  cases.add({
    name: 'the task sees its request; kwargs arrive as a trailing object',
    run: async (ctx) => {
      const pool = await ctx.pool(1);
      const job = ctx.job('pool.request', [1, 'a'], { kwargs: { flag: true } });
      const value = expectSuccess('pool.request', await pool.run(job)) as Record<string, unknown>;
      assert.deepStrictEqual(value, {
        id: job.taskId,
        task: 'pool.request',
        retries: 0,
        requestArgs: [1, 'a'],
        kwargs: { flag: true },
        received: [1, 'a', { flag: true }],
      });
    },
  });

  cases.add({
    name: 'a task the module does not define fails with TQ_UNKNOWN_TASK',
    run: async (ctx) => {
      const pool = await ctx.pool(1);
      const error = expectFailure('unknown task', await ctx.run(pool, 'pool.no-such-task'));
      assert.ok(TqError.is(error, ErrorCodes.UNKNOWN_TASK), `expected TQ_UNKNOWN_TASK, got ${String(error)}`);
    },
  });

  cases.add({
    name: 'runs as many jobs at once as its concurrency, never more',
    run: async (ctx) => {
      const pool = await ctx.pool(2);
      const ms = ctx.timing.ms(300);
      const outcomes = await Promise.all(Array.from({ length: 5 }, () => ctx.run(pool, 'pool.sleep', [ms])));
      const intervals = outcomes.map((outcome) => expectSuccess('pool.sleep', outcome) as { start: number; end: number });
      assert.equal(maxOverlap(intervals), pool.concurrency, `concurrency ${pool.concurrency}; jobs ran as ${JSON.stringify(intervals)}`);
    },
  });

  cases.add({
    name: 'run() after close is refused with TQ_CLOSED',
    run: async (ctx) => {
      const pool = await ctx.pool(1);
      await pool.close();
      await assertTqError('run after close', () => ctx.run(pool, 'pool.add', [1, 1]), ErrorCodes.CLOSED);
    },
  });
}
