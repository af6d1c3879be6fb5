import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, expect, test } from 'vitest';
import { exited, runTq, startWorker, tempDir } from './cli-harness.js';

const cleanups: Array<() => void> = [];
afterEach(() => {
  for (const cleanup of cleanups.splice(0).reverse()) cleanup();
});

async function waitFor(condition: () => boolean, what: string, timeoutMs = 20_000) {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

test('a worker SIGKILLed in the middle of a task loses nothing: the task runs to completion on a restarted worker', async () => {
  const { dir, cleanup } = tempDir();
  cleanups.push(cleanup);
  // A short lease so the killed worker's message comes back quickly; the worker extends it while the task runs.
  const broker = `sqlite://${join(dir, 'tq.db')}?visibilityTimeoutMs=1500`;
  const env = { TQ_LEASE_HEARTBEAT_MS: '400' };
  const marker = join(dir, 'marker.log');
  const args = ['-A', 'apps/worker/test/fixtures/tasks.ts', '--broker', broker, '-c', '1'];

  const first = startWorker(args, env);
  cleanups.push(() => first.kill('SIGKILL'));
  const sent = await runTq(['call', '-A', 'apps/worker/test/fixtures/tasks.ts', '--broker', broker, 'cli.slow', '--args', JSON.stringify([marker, 3000])]);
  expect(sent.code, sent.stderr).toBe(0);
  const taskId = sent.stdout.trim();

  await waitFor(() => existsSync(marker) && readFileSync(marker, 'utf8').includes('start'), 'the task to start');
  first.kill('SIGKILL');
  await exited(first);
  expect(readFileSync(marker, 'utf8')).not.toContain('done');

  const second = startWorker(args, env);
  cleanups.push(() => second.kill('SIGKILL'));
  const result = await runTq(['result', '--broker', broker, taskId, '--wait', '--timeout', '30'], {}, 40_000);
  expect(result.code, result.stderr + second.output()).toBe(0);
  const meta = JSON.parse(result.stdout);
  expect(meta.status).toBe('SUCCESS');
  expect(meta.result).toBe(`finished in ${second.pid}`);

  const lines = readFileSync(marker, 'utf8').trim().split('\n');
  expect(lines).toEqual([`start ${first.pid}`, `start ${second.pid}`, `done ${second.pid}`]);
  second.kill('SIGTERM');
  expect(await exited(second)).toBe(0);
}, 60_000);
