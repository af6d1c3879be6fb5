import { afterEach, describe, expect, test } from 'vitest';
import { createPool, ErrorCodes, TqError } from '@tq/core';
import { app } from './fixtures/tasks.js';
import { fixture, job, PoolTracker, recordingLogger } from './helpers.js';

const pools = new PoolTracker();
afterEach(() => pools.closeAll());

describe('task modules that do not load', () => {
  test('threads and prefork need the module path: a clear TQ_INVALID_CONFIG without it', () => {
    for (const name of ['threads', 'prefork']) {
      let error: unknown;
      try {
        createPool(name, { app, concurrency: 1 });
      } catch (caught) {
        error = caught;
      }
      expect(TqError.is(error, ErrorCodes.INVALID_CONFIG)).toBe(true);
      expect((error as Error).message).toMatch(/needs its path/);
    }
  });

  test('a module path that does not exist fails start() with TQ_INVALID_CONFIG', async () => {
    const pool = pools.create('prefork', { appModule: fixture('missing.ts') });
    await expect(pool.start()).rejects.toMatchObject({ code: ErrorCodes.INVALID_CONFIG });
  });

  for (const name of ['threads', 'prefork']) {
    test(`${name}: a module that throws at load is retried with growing delays, reported, and the pool stays up`, async () => {
      const { logger, records } = recordingLogger();
      const pool = pools.create(name, { concurrency: 2, appModule: fixture('throws-at-load.ts'), logger });
      await pool.start(); // does not throw: the worker stays up and keeps trying
      const waiting = pool.run(job('t.add', [1, 1]));
      await new Promise((resolve) => setTimeout(resolve, 1500));
      const failures = records.filter((record) => record.level === 'error' && /failed to start/.test(record.message));
      // Backoff 250 ms, 500 ms, 1 s...: a handful of attempts in 1.5 s, never a busy loop.
      expect(failures.length).toBeGreaterThanOrEqual(2);
      expect(failures.length).toBeLessThanOrEqual(5);
      expect(String(failures[0]?.fields?.error)).toMatch(/refuses to load/);
      expect(pool.stats()).toMatchObject({ startupFailures: failures.length, running: 0, waiting: 1 });
      expect(pool.stats().lastStartupError).toMatch(/refuses to load/);
      // A warm close does not hang on the job no child could take: it ends `lost` (the worker requeues it).
      await pool.close();
      expect(await waiting).toMatchObject({ status: 'lost' });
    });
  }

  test('a module that exports no app is reported as such', async () => {
    const { logger, records } = recordingLogger();
    const pool = pools.create('prefork', { concurrency: 1, appModule: fixture('no-app.ts'), logger });
    await pool.start();
    expect(pool.stats().lastStartupError).toMatch(/exports no app/);
    expect(records.some((record) => /failed to start/.test(record.message))).toBe(true);
  });
});
