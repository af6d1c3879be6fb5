import { createWorker, silentLogger } from '@tq/core';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { createBeat, every } from '../src/index.js';
import { quiet, sandbox } from './helpers.js';

let box: ReturnType<typeof sandbox>;
beforeEach(() => {
  box = sandbox();
});
afterEach(async () => {
  await box.cleanup();
});

async function until(condition: () => boolean, what: string, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

it('a real beat with every(0.5) sends tasks that a worker runs, on one SQLite file', async () => {
  const runs: string[] = [];
  const workerApp = box.app();
  workerApp.task('tasks.tick', (label: string) => {
    runs.push(label);
    return runs.length;
  });
  const worker = createWorker({ app: workerApp, queues: ['celery'], logger: silentLogger });
  await worker.start();

  const beatApp = box.app({ beatSchedule: { tick: { task: 'tasks.tick', schedule: every(0.5), args: ['beat'] } } });
  const beat = createBeat({ app: beatApp, stateFile: box.stateFile, maxIntervalMs: 200, ...quiet });
  try {
    await beat.start();
    await until(() => runs.length >= 3, 'three runs of tasks.tick');
  } finally {
    await beat.close();
    await worker.close();
  }
  expect(runs.slice(0, 3)).toEqual(['beat', 'beat', 'beat']);
  expect(beat.entryState('tick')!.totalRunCount).toBeGreaterThanOrEqual(3);
});
