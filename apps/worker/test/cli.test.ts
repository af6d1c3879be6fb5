import { afterEach, describe, expect, test } from 'vitest';
import { join } from 'node:path';
import { exited, runTq, startWorker, tempDir } from './cli-harness.js';

const cleanups: Array<() => void> = [];
afterEach(() => {
  for (const cleanup of cleanups.splice(0)) cleanup();
});

function sqliteUrl() {
  const { dir, cleanup } = tempDir();
  cleanups.push(cleanup);
  return `sqlite://${join(dir, 'tq.db')}`;
}

describe('tq command', () => {
  test('worker runs a task sent by `tq call --wait`, which prints the result as JSON', async () => {
    const broker = sqliteUrl();
    const worker = startWorker(['-A', 'apps/worker/test/fixtures/tasks.ts', '--broker', broker, '-c', '2']);
    cleanups.push(() => worker.kill('SIGKILL'));
    const call = await runTq(['call', '-A', 'apps/worker/test/fixtures/tasks.ts', '--broker', broker, 'cli.add', '--args', '[2,3]', '--wait', '--timeout', '20']);
    expect(call.stderr).toBe('');
    expect(call.stdout.trim()).toBe('5');
    expect(call.code).toBe(0);
    worker.kill('SIGTERM');
    expect(await exited(worker)).toBe(0);
  });

  test('call without --wait prints the id; `tq result` prints the stored state; purge empties the queue', async () => {
    const broker = sqliteUrl();
    const sent = await runTq(['call', '--broker', broker, 'cli.add', '--args', '[1,1]']);
    expect(sent.code).toBe(0);
    const taskId = sent.stdout.trim();
    expect(taskId).toMatch(/^[0-9a-f-]{36}$/);
    const pending = await runTq(['result', '--broker', broker, taskId]);
    expect(JSON.parse(pending.stdout)).toMatchObject({ status: 'PENDING', task_id: taskId });
    const purged = await runTq(['purge', '--broker', broker]);
    expect(purged.stdout).toContain('purged 1 message(s)');
  });

  test('a module with no app is refused with TQ_NO_APP and exit code 2', async () => {
    const result = await runTq(['worker', '-A', 'apps/worker/test/fixtures/no-app.ts', '--broker', sqliteUrl()]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/^tq: TQ_NO_APP .*exports no app/);
  });

  test('a missing module file is refused with TQ_NO_APP', async () => {
    const result = await runTq(['worker', '-A', 'apps/worker/test/fixtures/nope.ts']);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/^tq: TQ_NO_APP .*no such file/);
  });

  test('a malformed broker URL is refused with TQ_INVALID_URL', async () => {
    for (const url of ['not a url', 'redis//missing-colon', 'nosuchscheme://x']) {
      const result = await runTq(['call', '--broker', url, 'cli.add']);
      expect(result.code, url).toBe(2);
      expect(result.stderr, url).toMatch(/^tq: TQ_INVALID_URL /);
    }
  });

  test('bad JSON in --args is a one-line TQ_INVALID_CONFIG', async () => {
    const result = await runTq(['call', '--broker', sqliteUrl(), 'cli.add', '--args', '[1,']);
    expect(result.code).toBe(2);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stderr).toMatch(/TQ_INVALID_CONFIG --args must be JSON/);
  });
});
