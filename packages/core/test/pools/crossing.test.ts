import { afterEach, describe, expect, test } from 'vitest';
import { ErrorCodes, TqError } from '@tq/core';
import { eventually, job, PoolTracker, recordingLogger, slot, type Where } from './helpers.js';

const pools = new PoolTracker();
afterEach(() => pools.closeAll());

describe('what crosses to threads and children', () => {
  for (const name of ['threads', 'prefork']) {
    test(`${name}: the signal given to run() reaches the task, with its reason`, async () => {
      const pool = pools.create(name, { concurrency: 1 });
      await pool.start();
      const controller = new AbortController();
      const running = pool.run(job('t.waitForAbort'), { signal: controller.signal });
      setTimeout(() => controller.abort(new TqError(ErrorCodes.TASK_REVOKED, 'revoked by a test')), 200);
      const outcome = await running;
      expect(outcome.status).toBe('failure');
      const error = outcome.status === 'failure' ? outcome.error : undefined;
      expect(TqError.is(error, ErrorCodes.TASK_REVOKED)).toBe(true);
      expect((error as Error).message).toBe('revoked by a test');
      expect(await pool.run(job('t.add', [1, 1]))).toMatchObject({ status: 'success', value: 2 });
    });

    test(`${name}: arguments that cannot be cloned fail with TQ_ENCODE, and the ${name === 'threads' ? 'thread' : 'child'} stays in service`, async () => {
      const pool = pools.create(name, { concurrency: 1 });
      await pool.start();
      const outcome = await pool.run(job('t.add', [() => 1, 2]));
      expect(outcome.status).toBe('failure');
      expect(TqError.is(outcome.status === 'failure' ? outcome.error : undefined, ErrorCodes.ENCODE)).toBe(true);
      expect(await pool.run(job('t.add', [1, 2]))).toMatchObject({ status: 'success', value: 3 });
      expect(pool.stats()).toMatchObject({ children: 1, running: 0 });
    });

    test(`${name}: a rejection a task forgot is reported, and the ${name === 'threads' ? 'thread' : 'child'} keeps serving`, async () => {
      const { logger, records } = recordingLogger();
      const pool = pools.create(name, { concurrency: 1, logger });
      await pool.start();
      const first = await pool.run(job('t.forgetRejection'));
      await eventually('the rejection is reported', () => records.some((record) => /unhandled rejection/.test(record.message)));
      expect(String(records.find((record) => /unhandled rejection/.test(record.message))?.fields?.error)).toMatch(/a forgotten rejection/);
      const second = await pool.run(job('t.whoami'));
      expect(first.status).toBe('success');
      expect(slot(second.status === 'success' ? (second.value as Where) : { pid: 0, threadId: -1 })).toBe(
        slot(first.status === 'success' ? (first.value as Where) : { pid: 0, threadId: -2 }),
      );
    });
  }
});
