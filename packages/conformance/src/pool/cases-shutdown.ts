import assert from 'node:assert/strict';
import { ErrorCodes, TqError } from '@tq/core';
import { gate, needs } from '../support/cases.js';
import { sleep, within } from '../support/timing.js';
import type { PoolFeatures } from './options.js';
import { expectLost, expectSuccess } from './outcomes.js';
import type { PoolCases } from './suite.js';

export function registerShutdownCases(cases: PoolCases): void {
  cases.add({
    name: 'a warm close waits for running jobs to finish',
    run: async (ctx) => {
      const pool = await ctx.pool(2);
      // Only jobs that hold a slot are running; jobs still queued for a slot may be released (lost) by a close.
      const slots = Math.min(2, pool.concurrency);
      const running = Array.from({ length: slots }, () => ctx.run(pool, 'pool.sleep', [ctx.timing.ms(300)]));
      await sleep(ctx.timing.ms(100));
      let closed = false;
      const closing = pool.close().then(() => {
        closed = true;
      });
      for (const outcome of await Promise.all(running)) {
        expectSuccess('a job running at close', outcome);
      }
      await within('the warm close', closing, ctx.timing.deadline);
      assert.ok(closed);
    },
  });

  cases.add({
    name: 'a cold close stops running jobs at once: their outcome is lost',
    gate: needs<PoolFeatures>('terminates'),
    run: async (ctx) => {
      const pool = await ctx.pool(2);
      const running = [ctx.run(pool, 'pool.spin'), ctx.run(pool, 'pool.hang')];
      await sleep(ctx.timing.ms(100));
      await within('the cold close', pool.close({ force: true }), ctx.timing.deadline);
      for (const outcome of await within('outcomes of killed jobs', Promise.all(running), ctx.timing.deadline)) {
        const error = expectLost('a job running at a cold close', outcome);
        assert.ok(TqError.is(error, ErrorCodes.WORKER_LOST), `expected WorkerLostError, got ${String(error)}`);
      }
    },
  });

  cases.add({
    name: "a cold close aborts the signal of running bodies, which then settle (not as success)",
    run: async (ctx) => {
      const pool = await ctx.pool(1);
      const running = ctx.run(pool, 'pool.waitForAbort');
      await sleep(ctx.timing.ms(100));
      await within('the cold close', pool.close({ force: true }), ctx.timing.deadline);
      const outcome = await within('the outcome of an aborted body', running, ctx.timing.deadline);
      // The contract says `lost`; in-process pools that can only abort the signal report the body's own failure
      // with the WorkerLostError reason.
      assert.notEqual(outcome.status, 'success');
      const error = outcome.status === 'success' ? undefined : outcome.error;
      assert.ok(TqError.is(error, ErrorCodes.WORKER_LOST), `expected WorkerLostError, got ${outcome.status} ${String(error)}`);
    },
  });

  cases.add({
    name: 'close twice, and dispose, are harmless',
    run: async (ctx) => {
      const pool = await ctx.pool(1);
      await pool.close();
      await pool.close();
      await pool.close({ force: true });
      await pool[Symbol.asyncDispose]();
    },
  });

  cases.add({
    name: 'grow and shrink change the concurrency at run time',
    gate: gate<PoolFeatures>('resizable', (f) => (f.resizable ? undefined : 'the pool has no grow/shrink')),
    run: async (ctx) => {
      const pool = await ctx.pool(1);
      await pool.grow!(2);
      assert.equal(pool.stats().concurrency, 3);
      const outcomes = await Promise.all(Array.from({ length: 3 }, () => ctx.run(pool, 'pool.sleep', [ctx.timing.ms(300)])));
      const intervals = outcomes.map((outcome) => expectSuccess('pool.sleep', outcome) as { start: number; end: number });
      assert.ok(intervals.every((a) => intervals.every((b) => a.start < b.end && b.start < a.end)), 'three slots ran together');
      await pool.shrink!(2);
      assert.equal(pool.stats().concurrency, 1);
      assert.equal(expectSuccess('after shrinking', await ctx.run(pool, 'pool.add', [1, 1])), 2);
    },
  });
}
