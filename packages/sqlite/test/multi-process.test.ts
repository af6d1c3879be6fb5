import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { sqliteTransport } from '../src/index.js';
import { message, take, tempDatabase, text } from './helpers.js';

const packageDir = fileURLToPath(new URL('..', import.meta.url));

/** Runs a fixture in its own node process (TypeScript sources through tsx) and returns its JSON output. */
function runChild<T>(fixture: string, args: string[]): Promise<T> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', '--conditions=@tq/source', `test/fixtures/${fixture}`, ...args],
      {
        cwd: packageDir,
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => {
      stdout += chunk;
    });
    child.stderr.on('data', (chunk) => {
      stderr += chunk;
    });
    child.on('error', reject);
    child.on('close', () => {
      try {
        resolve(JSON.parse(stdout) as T);
      } catch {
        reject(new Error(`${fixture} printed no JSON; stderr: ${stderr.slice(0, 2000)}`));
      }
    });
  });
}

let db: ReturnType<typeof tempDatabase>;
beforeEach(() => {
  db = tempDatabase();
});
afterEach(() => db.cleanup());

describe('several processes on one file', () => {
  test('three processes publishing and consuming concurrently consume every message exactly once', async () => {
    const perChild = 400;
    const names = ['a', 'b', 'c'];
    const results = await Promise.all(
      names.map((name) =>
        runChild<string[]>('share-child.ts', [db.url, 'shared', name, String(names.length), String(perChild)]),
      ),
    );
    const all = results.flat();
    const expected = names.flatMap((name) => Array.from({ length: perChild }, (_, i) => `${name}-${i}`));
    expect(all).toHaveLength(expected.length);
    expect(new Set(all).size).toBe(expected.length);
    expect(new Set(all)).toEqual(new Set(expected));
    // Work really was shared: more than one process consumed something.
    expect(results.filter((consumed) => consumed.length > 0).length).toBeGreaterThan(1);
  }, 90_000);

  test('messages held by a process that died come back after the lease, redelivered', async () => {
    const producer = sqliteTransport(db.url, { visibilityTimeoutMs: 60_000 });
    await producer.publishBatch(
      Array.from({ length: 8 }, (_, i) => ({ message: message(`m${i}`), options: { queue: 'jobs' } })),
    );
    const taken = await runChild<string[]>('crash-child.ts', [db.url, 'jobs', '5', '400']);
    expect(taken).toEqual(['m0', 'm1', 'm2', 'm3', 'm4']);
    const deliveries = await take(producer.consume(['jobs'], { prefetch: 8 })[Symbol.asyncIterator](), 8, 10_000);
    const byBody = new Map(deliveries.map((d) => [text(d), d]));
    for (const body of taken) expect(byBody.get(body)?.redelivered).toBe(true);
    for (const body of ['m5', 'm6', 'm7']) expect(byBody.get(body)?.redelivered).toBe(false);
    expect(byBody.get('m0')?.deliveryCount).toBe(2);
    await Promise.all(deliveries.map((d) => d.ack()));
    expect(await producer.size('jobs')).toBe(0);
    await producer.close();
  }, 60_000);

  test('chord parts completed from three processes complete the chord exactly once', async () => {
    const size = 90;
    const results = await Promise.all(
      [0, 1, 2].map((k) =>
        runChild<{ complete: number; parts: number }>('chord-child.ts', [
          db.url,
          'g1',
          String(k * 30),
          String(k * 30 + 30),
          String(size),
        ]),
      ),
    );
    expect(results.reduce((sum, r) => sum + r.complete, 0)).toBe(1);
    expect(results.find((r) => r.complete)?.parts).toBe(size);
  }, 60_000);

  // Switching a file to WAL while another process holds a rollback-journal lock fails at once: SQLite does not
  // wait through busy_timeout there. Two processes opening a new file at the same moment meet exactly this (CI saw
  // `tq call` and a starting worker each fail so); opening must wait for the lock like any other write.
  test('opening a file another process has locked waits for the lock instead of failing', async () => {
    const holder = spawn(process.execPath, ['--import', 'tsx', 'test/fixtures/hold-lock-child.ts', db.file, '400'], {
      cwd: packageDir,
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const exited = new Promise((resolve) => holder.on('close', resolve));
    await new Promise<void>((resolve, reject) => {
      holder.stdout.on('data', (chunk) => String(chunk).includes('locked') && resolve());
      holder.on('close', () => reject(new Error('the lock holder exited before it locked')));
    });
    const transport = sqliteTransport(db.url);
    try {
      await transport.publish(message('after the lock'), { queue: 'opened' });
      expect(await transport.size('opened')).toBe(1);
    } finally {
      await transport.close();
      await exited;
    }
  }, 30_000);
});
