import { afterEach, describe, expect, test } from 'vitest';
import type { PoolOutcome } from '@tq/core';
import { eventually, job, PoolTracker } from './helpers.js';

const pools = new PoolTracker();
afterEach(() => pools.closeAll());

const ran = (outcome: PoolOutcome) => {
  if (outcome.status !== 'success') throw new Error(`expected success, got ${outcome.status}`);
  return outcome.value;
};

describe('autoscale, grow and shrink', () => {
  for (const name of ['threads', 'prefork']) {
    test(`${name}: autoscale grows to max under backlog and shrinks back to min when idle`, async () => {
      const pool = pools.create(name, { poolOptions: { autoscale: { max: 3, min: 1, idleMs: 300 } } });
      await pool.start();
      expect(pool.stats()).toMatchObject({ concurrency: 1, children: 1 });
      const running = Array.from({ length: 3 }, () => pool.run(job('t.sleep', [500])));
      // Two jobs wait for a child: the pool starts two more, up to max.
      await eventually('the pool grows under backlog', () => pool.stats().concurrency === 3 && pool.stats().children === 3);
      for (const outcome of await Promise.all(running)) ran(outcome);
      await eventually('the pool shrinks back to min', () => pool.stats().concurrency === 1 && pool.stats().children === 1);
      expect(await pool.run(job('t.add', [1, 1]))).toMatchObject({ status: 'success', value: 2 });
    });
  }

  test('autoscale with min 0 starts no child until work arrives', async () => {
    const pool = pools.create('threads', { poolOptions: { autoscale: { max: 2, min: 0, idleMs: 200 } } });
    await pool.start();
    expect(pool.stats()).toMatchObject({ concurrency: 0, children: 0 });
    expect(await pool.run(job('t.add', [2, 3]))).toMatchObject({ status: 'success', value: 5 });
    await eventually('back to no children', () => pool.stats().children === 0);
  });

  test('shrink retires a busy child only after its job, which completes normally', async () => {
    const pool = pools.create('prefork', { concurrency: 2 });
    await pool.start();
    const jobs = [pool.run(job('t.sleep', [400])), pool.run(job('t.sleep', [400]))];
    await eventually('both jobs running', () => pool.stats().running === 2);
    await pool.shrink!(1);
    expect(pool.concurrency).toBe(1);
    for (const outcome of await Promise.all(jobs)) expect(outcome.status).toBe('success');
    await eventually('one child left', () => pool.stats().children === 1);
    await pool.grow!(1);
    expect(pool.stats()).toMatchObject({ concurrency: 2, children: 2 });
  });

  test('bad sizes are refused with TQ_INVALID_CONFIG', async () => {
    expect(() => pools.create('threads', { poolOptions: { autoscale: { max: 1, min: 2 } } })).toThrow(/min \(2\) is above max/);
    expect(() => pools.create('prefork', { poolOptions: { maxTasksPerChild: 0 } })).toThrow(/maxTasksPerChild/);
    const pool = pools.create('threads', { concurrency: 1 });
    await expect(pool.grow!(0)).rejects.toMatchObject({ code: 'TQ_INVALID_CONFIG' });
  });
});
