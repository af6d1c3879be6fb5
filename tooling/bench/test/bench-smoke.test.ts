import { execFile } from 'node:child_process';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, test } from 'vitest';

const run = promisify(execFile);
const root = resolve(import.meta.dirname, '../../..');

/** The bench end to end on SQLite (no service needed): it runs, and its stdout is JSON lines of the peers' shape. */
describe('pnpm bench --quick --only sqlite', () => {
  test('prints one parseable result per workload variant, with the required fields', async () => {
    const { stdout, stderr } = await run(
      process.execPath,
      ['--import', 'tsx', '--conditions=@tq/source', 'tooling/bench/src/main.ts', '--quick', '--only', 'sqlite', '--n', '300', '--n3', '30'],
      { cwd: root, timeout: 170_000, maxBuffer: 16 * 1024 * 1024 },
    );
    const records = stdout
      .split('\n')
      .filter((line) => line.trim())
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    for (const record of records) {
      for (const field of ['system', 'broker', 'workload', 'variant', 'tasks_per_s', 'p50_ms', 'p99_ms']) expect(record).toHaveProperty(field);
      expect(record.system).toBe('tq');
      expect(record.broker).toBe('sqlite');
      expect(record.errors).toBeUndefined();
    }
    const workloads = records.map((record) => `${record.workload} ${record.variant}`);
    expect(workloads).toEqual(expect.arrayContaining(['W1 delay-loop', 'W1 publishBatch-1000', 'W1 delayMany-1000', 'W2 async-c100-pf400', 'W3 async-c32-get-sqlite']));
    const drain = records.find((record) => record.workload === 'W2' && record.results === null)!;
    expect(drain.n).toBe(300);
    expect(drain.peak_rss_mb).toBeGreaterThan(0);
    expect(stderr).toContain('## Results');
  });
});
