import assert from 'node:assert/strict';
import { ErrorCodes, TqError } from '@tq/core';
import { needs } from '../support/cases.js';
import { within } from '../support/timing.js';
import type { PoolFeatures } from './options.js';
import { expectFailure, expectLost, expectSuccess } from './outcomes.js';
import type { PoolCases } from './suite.js';

export function registerLimitCases(cases: PoolCases): void {
  cases.add({
    name: "the soft time limit fires the task's signal with SoftTimeLimitExceeded",
    run: async (ctx) => {
      const pool = await ctx.pool(1);
      const outcome = await ctx.run(pool, 'pool.softLimit', [ctx.timing.ms(5000)], { softTimeLimitMs: ctx.timing.ms(100) });
      assert.deepStrictEqual(expectSuccess('pool.softLimit', outcome), { aborted: true, reason: 'SoftTimeLimitExceeded' });
    },
  });

  cases.add({
    name: 'the hard time limit fails an awaiting task with TimeLimitExceeded, and the pool keeps serving',
    run: async (ctx) => {
      const pool = await ctx.pool(1);
      const outcome = await within('a hung task past its hard limit', ctx.run(pool, 'pool.hang', [], { hardTimeLimitMs: ctx.timing.ms(200) }), ctx.timing.deadline);
      assertTimeLimit(expectFailure('pool.hang', outcome));
      assert.equal(expectSuccess('the next job', await ctx.run(pool, 'pool.add', [1, 2])), 3);
    },
  });

  cases.add({
    name: 'the hard time limit stops CPU-bound code, and the pool keeps serving',
    gate: needs<PoolFeatures>('terminates'),
    run: async (ctx) => {
      const pool = await ctx.pool(1);
      for (let round = 0; round < 2; round++) {
        const spin = ctx.run(pool, 'pool.spin', [], { hardTimeLimitMs: ctx.timing.ms(300) });
        assertTimeLimit(expectFailure('pool.spin', await within('an endless loop past its hard limit', spin, ctx.timing.deadline)));
        assert.equal(expectSuccess('the next job', await ctx.run(pool, 'pool.add', [round, 1])), round + 1);
      }
    },
  });

  cases.add({
    name: 'a task that ends its thread or process gives lost with WorkerLostError, and the pool keeps serving',
    gate: needs<PoolFeatures>('terminates'),
    run: async (ctx) => {
      const pool = await ctx.pool(1);
      const error = expectLost('pool.exit', await within('a task calling process.exit', ctx.run(pool, 'pool.exit', [3]), ctx.timing.deadline));
      assert.ok(TqError.is(error, ErrorCodes.WORKER_LOST), `expected WorkerLostError, got ${String(error)}`);
      assert.equal(error.name, 'WorkerLostError');
      assert.equal(expectSuccess('the next job', await ctx.run(pool, 'pool.add', [2, 2])), 4);
    },
  });

  cases.add({
    name: 'a result that cannot be sent back fails with TQ_ENCODE, and the pool keeps serving',
    gate: needs<PoolFeatures>('isolated'),
    run: async (ctx) => {
      const pool = await ctx.pool(1);
      const error = expectFailure('pool.returnFunction', await ctx.run(pool, 'pool.returnFunction'));
      assert.ok(TqError.is(error, ErrorCodes.ENCODE), `expected TQ_ENCODE, got ${String(error)}`);
      assert.equal(expectSuccess('the next job', await ctx.run(pool, 'pool.add', [3, 3])), 6);
    },
  });
}

function assertTimeLimit(error: unknown): void {
  assert.ok(TqError.is(error, ErrorCodes.TIME_LIMIT_EXCEEDED), `expected TimeLimitExceeded, got ${String(error)}`);
  assert.equal((error as Error).name, 'TimeLimitExceeded');
}
