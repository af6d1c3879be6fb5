import { afterEach, describe, expect, test } from 'vitest';
import { ErrorCodes, TimeLimitExceeded, TqError } from '@tq/core';
import { job, PoolTracker, slot, type Where } from './helpers.js';

const pools = new PoolTracker();
afterEach(() => pools.closeAll());

describe('hard time limits stop the task', () => {
  for (const name of ['threads', 'prefork']) {
    test(`${name}: an endless loop is stopped at its hard limit, its ${name === 'threads' ? 'thread' : 'child'} replaced, and the pool keeps serving`, async () => {
      const pool = pools.create(name, { concurrency: 1 });
      await pool.start();
      const before = await pool.run(job('t.whoami'));
      const stopped = await pool.run(job('t.spin', [], { hardTimeLimitMs: 400 }));
      expect(stopped.status).toBe('failure');
      const error = stopped.status === 'failure' ? stopped.error : undefined;
      expect(error).toBeInstanceOf(TimeLimitExceeded);
      expect(TqError.is(error, ErrorCodes.TIME_LIMIT_EXCEEDED)).toBe(true);
      expect(stopped.runtimeMs).toBeGreaterThanOrEqual(399);

      const after = await pool.run(job('t.whoami'));
      expect(after.status).toBe('success');
      expect(slot(after.status === 'success' ? (after.value as Where) : { pid: 0, threadId: 0 })).not.toBe(
        slot(before.status === 'success' ? (before.value as Where) : { pid: 0, threadId: 0 }),
      );
      expect(await pool.run(job('t.add', [20, 22]))).toMatchObject({ status: 'success', value: 42 });
    });

    test(`${name}: a task that finishes inside its hard limit is not disturbed`, async () => {
      const pool = pools.create(name, { concurrency: 1 });
      await pool.start();
      expect(await pool.run(job('t.cpu', [50], { hardTimeLimitMs: 5000 }))).toMatchObject({ status: 'success' });
      expect(pool.stats()).toMatchObject({ running: 0, concurrency: 1 });
    });
  }
});
