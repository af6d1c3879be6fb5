import { afterEach, describe, expect, test } from 'vitest';
import type { Pool } from '@tq/core';
import { isAlive, job, PoolTracker, recordingLogger, slot, type Where } from './helpers.js';

const pools = new PoolTracker();
afterEach(() => pools.closeAll());

async function whereEach(pool: Pool, times: number): Promise<Where[]> {
  const seen: Where[] = [];
  for (let i = 0; i < times; i++) {
    const outcome = await pool.run(job('t.whoami'));
    if (outcome.status !== 'success') throw new Error(`whoami ${outcome.status}`);
    seen.push(outcome.value as Where);
  }
  return seen;
}

describe('recycling threads and children', () => {
  for (const name of ['threads', 'prefork']) {
    test(`${name}: maxTasksPerChild replaces each one after that many tasks`, async () => {
      const { logger, records } = recordingLogger();
      const pool = pools.create(name, { concurrency: 1, poolOptions: { maxTasksPerChild: 2 }, logger });
      await pool.start();
      const seen = (await whereEach(pool, 5)).map(slot);
      expect(seen[0]).toBe(seen[1]);
      expect(seen[2]).toBe(seen[3]);
      expect(new Set(seen).size).toBe(3);
      expect(records.filter((record) => /maxTasksPerChild/.test(record.message))).toHaveLength(2);
    });

    test(`${name}: maxMemoryPerChildKb replaces one that a task leaves above the limit, after the task succeeded`, async () => {
      const pool = pools.create(name, { concurrency: 1, poolOptions: { maxMemoryPerChildKb: 1 } });
      await pool.start();
      const outcome = await pool.run(job('t.allocate', [8]));
      expect(outcome.status).toBe('success');
      const next = await whereEach(pool, 1);
      expect(slot(next[0]!)).not.toBe(slot(outcome.status === 'success' ? (outcome.value as Where) : next[0]!));
    });
  }

  test('prefork: a recycled child process exits (it is not left behind)', async () => {
    const pool = pools.create('prefork', { concurrency: 1, poolOptions: { maxTasksPerChild: 1 } });
    await pool.start();
    const [first] = await whereEach(pool, 2);
    const until = Date.now() + 10_000;
    while (isAlive(first!.pid) && Date.now() < until) await new Promise((resolve) => setTimeout(resolve, 25));
    expect(isAlive(first!.pid)).toBe(false);
  });
});
