// Tasks for the canvas tests on SQLite and Redis, and a worker process running them (for races between
// processes). Run as a script: `node --import tsx --conditions=@tq/source canvas-tasks.fixture.ts` with
// CANVAS_STORE=sqlite|redis|memcached (SQLite broker, memcached results), CANVAS_URL (sqlite file URL or redis URL), CANVAS_QUEUE, CANVAS_PREFIX (redis keys).
import { appendFileSync } from 'node:fs';
import { type App, createApp, createWorker, silentLogger, type Transport, type ResultBackend } from '@tq/core';

export function defineCanvasTasks(app: App) {
  return {
    one: app.task('canvas.one', (value: number) => value),
    /** A header part that records which process ran it. */
    part: app.task('canvas.part', (value: number, marker: string) => {
      appendFileSync(marker, `${process.pid}\n`);
      return value;
    }),
    add: app.task('canvas.add', (x: number, y: number) => x + y),
    mul: app.task('canvas.mul', (x: number, y: number) => x * y),
    fail: app.task('canvas.fail', (_value?: unknown) => {
      throw new TypeError('part failed on purpose');
    }),
    /** The chord body: sums the results and appends one line per run to `marker` (to count runs). */
    total: app.task('canvas.total', (values: number[], marker?: string) => {
      if (marker) appendFileSync(marker, `body ${process.pid} ${values.length}\n`);
      return values.reduce((a, b) => a + b, 0);
    }),
    /**
     * An old-style errback: records the failed task's id. One required parameter (Function.length 1), so it is
     * sent as a task with the failed id; with two it would be new-style and called inline.
     */
    onError: app.task('canvas.on_error', (taskId: string, marker = '') => {
      appendFileSync(marker, `errback ${taskId}\n`);
    }),
  };
}

export async function storeFor(kind: string, url: string, prefix: string): Promise<{ transport: Transport; backend: ResultBackend }> {
  if (kind === 'redis') {
    const { redisTransport, redisResultBackend } = await import('@tq/redis');
    return { transport: redisTransport(url, { keyPrefix: prefix }), backend: redisResultBackend(url, { keyPrefix: prefix }) };
  }
  const { sqliteTransport, sqliteBackend } = await import('@tq/sqlite');
  if (kind === 'memcached') {
    // Messages in the SQLite file, results and chord counters in memcached (expiring after 10 minutes).
    const { memcachedBackend } = await import('@tq/backend-memcached');
    return { transport: sqliteTransport(url), backend: memcachedBackend('memcached://127.0.0.1:11211', { keyPrefix: prefix, expiresMs: 600_000 }) };
  }
  return { transport: sqliteTransport(url), backend: sqliteBackend(url) };
}

async function main() {
  const { CANVAS_STORE = 'sqlite', CANVAS_URL = '', CANVAS_QUEUE = 'celery', CANVAS_PREFIX = '', CANVAS_CONCURRENCY = '8' } = process.env;
  const app = createApp({ name: 'canvas-worker', defaultQueue: CANVAS_QUEUE });
  defineCanvasTasks(app);
  const { transport, backend } = await storeFor(CANVAS_STORE, CANVAS_URL, CANVAS_PREFIX);
  const worker = createWorker({ app, transport, backend, concurrency: Number(CANVAS_CONCURRENCY), queues: [CANVAS_QUEUE], logger: silentLogger });
  await worker.start();
  process.stdout.write('ready\n');
  process.once('SIGTERM', () => {
    worker.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  });
}

if (process.argv[1] && import.meta.filename === process.argv[1]) await main();
