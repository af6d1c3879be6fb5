import { afterEach, describe, expect, test } from 'vitest';
import type { PoolOutcome } from '@tq/core';
import { job, PoolTracker, slot, type Where } from './helpers.js';

type Ran = Where & { start: number; end: number };

const pools = new PoolTracker();
afterEach(() => pools.closeAll());

function ran(outcome: PoolOutcome): Ran {
  if (outcome.status !== 'success') throw new Error(`expected success, got ${outcome.status}: ${String(outcome.error)}`);
  return outcome.value as Ran;
}

const overlap = (a: Ran, b: Ran) => Math.min(a.end, b.end) - Math.max(a.start, b.start);

describe('CPU-bound tasks run in parallel', () => {
  for (const name of ['threads', 'prefork']) {
    test(`${name}: two busy loops run at the same time, in two different ${name === 'threads' ? 'threads' : 'processes'}`, async () => {
      const pool = pools.create(name, { concurrency: 2 });
      await pool.start();
      const [a, b] = (await Promise.all([pool.run(job('t.cpu', [600])), pool.run(job('t.cpu', [600]))])).map(ran) as [Ran, Ran];
      expect(slot(a)).not.toBe(slot(b));
      if (name === 'prefork') expect(a.pid).not.toBe(b.pid);
      else expect(a.pid).toBe(b.pid);
      // Each loop never yields; they can only overlap if they run on separate threads of execution.
      expect(overlap(a, b)).toBeGreaterThan(300);
    });
  }

  test('the async pool, by contrast, runs them one after the other on the event loop', async () => {
    const pool = pools.create('async', { concurrency: 2 });
    await pool.start();
    const [a, b] = (await Promise.all([pool.run(job('t.cpu', [200])), pool.run(job('t.cpu', [200]))])).map(ran) as [Ran, Ran];
    expect(overlap(a, b)).toBeLessThanOrEqual(0);
  });
});
