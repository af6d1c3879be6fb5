// An example task module: `tq worker -A apps/worker/examples/tasks.ts` runs these; client.ts calls them.
import { createApp, currentTask } from '@tq/core';
import { sqliteAdapter } from '@tq/sqlite';

// No broker given: TQ_BROKER_URL, else the embedded default sqlite://./tq.db (results in the same file).
export const app = createApp({ name: 'example', adapters: [sqliteAdapter] });

export const add = app.task('tasks.add', (x: number, y: number) => x + y);

export const wordCount = app.task('tasks.word_count', async (text: string) => {
  const words = text.split(/\s+/).filter(Boolean);
  return { words: words.length, longest: words.reduce((a, b) => (b.length > a.length ? b : a), '') };
});

// A task that fails twice and succeeds on its third attempt: retries keep the task id.
export const flaky = app.task(
  'tasks.flaky',
  function () {
    if (this.request.retries < 2) throw this.retry({ countdown: 0.2 });
    return `succeeded after ${this.request.retries} retries`;
  },
  { maxRetries: 5 },
);

// A long task that honours its soft time limit through the AbortSignal.
export const sleepy = app.task('tasks.sleepy', async (ms: number) => {
  const { signal } = currentTask();
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener(
      'abort',
      () => {
        clearTimeout(timer);
        reject(signal.reason);
      },
      { once: true },
    );
  });
  return ms;
});

export const divide = app.task('tasks.divide', (x: number, y: number) => {
  if (y === 0) throw new RangeError('division by zero');
  return x / y;
});
