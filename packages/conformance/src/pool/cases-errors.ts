import assert from 'node:assert/strict';
import { ErrorCodes, Ignore, Reject, Retry, TqError } from '@tq/core';
import { PoolFixtureError } from './fixture-tasks.js';
import { expectFailure } from './outcomes.js';
import type { PoolCases } from './suite.js';

/** Errors must reach the worker as it would see them in-process: its handling depends on their classes and fields. */
export function registerErrorCases(cases: PoolCases): void {
  cases.add({
    name: "a thrown error keeps its name, message, stack and own fields",
    run: async (ctx) => {
      const pool = await ctx.pool(1);
      const error = expectFailure('pool.fail error', await ctx.run(pool, 'pool.fail', ['error'])) as PoolFixtureError;
      assert.ok(error instanceof Error, 'an Error');
      assert.equal(error.name, 'PoolFixtureError');
      assert.equal(error.message, 'fixture failure');
      assert.equal(typeof error.stack, 'string');
      assert.match(error.stack!, /fixture failure/);
      assert.equal(error.attempt, 3);
      assert.deepStrictEqual(error.detail, { a: 1, list: ['x'] });
    },
  });

  cases.add({
    name: 'built-in error types stay themselves (TypeError)',
    run: async (ctx) => {
      const pool = await ctx.pool(1);
      const error = expectFailure('pool.fail type', await ctx.run(pool, 'pool.fail', ['type']));
      assert.ok(error instanceof TypeError, `expected a TypeError, got ${String(error)}`);
      assert.equal((error as Error).message, 'not a function, fixture');
    },
  });

  cases.add({
    name: 'Retry keeps its options, and the error it wraps',
    run: async (ctx) => {
      const pool = await ctx.pool(1);
      const error = expectFailure('pool.fail retry', await ctx.run(pool, 'pool.fail', ['retry']));
      assert.ok(error instanceof Retry, `expected Retry, got ${String(error)}`);
      assert.equal(error.options.countdown, 7);
      assert.equal(error.options.maxRetries, 5);
      assert.deepStrictEqual(error.options.eta, new Date(Date.UTC(2030, 0, 1)));
      assert.ok(error.options.exc instanceof RangeError, `exc should be the RangeError, got ${String(error.options.exc)}`);
      assert.equal((error.options.exc as Error).message, 'inner');
    },
  });

  cases.add({
    name: 'Reject keeps reason and requeue; Ignore stays Ignore',
    run: async (ctx) => {
      const pool = await ctx.pool(1);
      const reject = expectFailure('pool.fail reject', await ctx.run(pool, 'pool.fail', ['reject']));
      assert.ok(reject instanceof Reject, `expected Reject, got ${String(reject)}`);
      assert.equal(reject.reason, 'fixture reject');
      assert.equal(reject.requeue, true);
      const ignore = expectFailure('pool.fail ignore', await ctx.run(pool, 'pool.fail', ['ignore']));
      assert.ok(ignore instanceof Ignore, `expected Ignore, got ${String(ignore)}`);
    },
  });

  cases.add({
    name: 'TqError keeps code, retryable and details',
    run: async (ctx) => {
      const pool = await ctx.pool(1);
      const error = expectFailure('pool.fail tq', await ctx.run(pool, 'pool.fail', ['tq']));
      assert.ok(error instanceof TqError, `expected a TqError, got ${String(error)}`);
      assert.equal(error.code, ErrorCodes.DECODE);
      assert.equal(error.retryable, true);
      assert.deepStrictEqual(error.details, { field: 'x', n: 2 });
      assert.equal(error.message, 'fixture tq error');
    },
  });

  cases.add({
    name: "an error matching the task's autoretryFor class is still an instance of it (autoretry works)",
    run: async (ctx) => {
      const pool = await ctx.pool(1);
      const error = expectFailure('pool.autoretry', await ctx.run(pool, 'pool.autoretry'));
      assert.ok(error instanceof PoolFixtureError, `expected an instance of PoolFixtureError, got ${String(error)}`);
      assert.equal((error as Error).name, 'PoolFixtureSubError');
    },
  });

  cases.add({
    name: 'a thrown non-Error value and an error cause arrive intact',
    run: async (ctx) => {
      const pool = await ctx.pool(1);
      assert.equal(expectFailure('pool.fail value', await ctx.run(pool, 'pool.fail', ['value'])), 'a thrown string');
      const error = expectFailure('pool.fail cause', await ctx.run(pool, 'pool.fail', ['cause'])) as Error;
      assert.equal(error.message, 'outer');
      assert.ok(error.cause instanceof Error, `cause should be an Error, got ${String(error.cause)}`);
      assert.equal((error.cause as Error).name, 'PoolFixtureError');
      assert.equal((error.cause as Error).message, 'root cause');
    },
  });
}
