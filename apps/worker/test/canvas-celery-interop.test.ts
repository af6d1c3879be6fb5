import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { type App, type CanvasResult, chain, chord, createApp, createWorker, type GroupResult, signature, silentLogger, type Worker } from '@tq/core';
import { redisResultBackend, redisTransport } from '@tq/redis';
import { serviceAvailable, uniqueName } from '../../../tooling/test-support/services.js';
import { exited, tempDir } from './cli-harness.js';

/**
 * A real Celery 5.2 worker (Debian's python3-celery, run with /usr/bin/python3) and a tq worker share one Redis:
 * a chain alternates Python and tq tasks, each worker forwarding the rest of `embed.chain` to the other; a chord
 * mixes header parts from both, counted in Celery's `.j/.t/.s` keys. Python tasks live on one queue, tq tasks on
 * another; the broker keys share a kombu `global_keyprefix`. Celery 5.2's result backend has no key prefix, so
 * results use Celery's plain `celery-task-meta-<id>` keys (deleted afterwards).
 */
const PYTHON = '/usr/bin/python3';
const REDIS_URL = 'redis://127.0.0.1:6379/0';
const redisUp = await serviceAvailable('redis', '127.0.0.1', 6379);
const hasCelery =
  existsSync(PYTHON) && spawnSync(PYTHON, ['-c', 'import celery, redis'], { stdio: 'ignore' }).status === 0;
if (!hasCelery) console.warn('\n!!! SKIPPING Celery canvas interop: /usr/bin/python3 lacks celery or redis (apt-get install python3-celery python3-redis). !!!\n');

const prefix = `${uniqueName('canvas-py')}:`;
const pyQueue = uniqueName('py');
const tqQueue = uniqueName('tq');
const resultKeys = new Set<string>();

const PY_MODULE = `
from celery import Celery

app = Celery('interop', broker=${JSON.stringify(REDIS_URL)}, backend=${JSON.stringify(REDIS_URL)})
app.conf.update(
    task_default_queue=${JSON.stringify(pyQueue)},
    broker_transport_options={'global_keyprefix': ${JSON.stringify(prefix)}},
    accept_content=['json'],
    result_expires=600,
    worker_hijack_root_logger=False,
)


@app.task(name='py.mul')
def mul(x, y):
    return x * y


@app.task(name='py.add')
def add(x, y):
    return x + y


@app.task(name='py.tsum')
def tsum(values):
    return sum(values)
`;

/** tq's tasks; their queue goes into their signatures, so the Python worker forwards chain steps to it. */
function defineTqTasks(app: App) {
  return {
    add: app.task('tq.add', (x: number, y: number) => x + y, { queue: tqQueue }),
    double: app.task('tq.double', (x: number) => x * 2, { queue: tqQueue }),
    one: app.task('tq.one', (x: number) => x, { queue: tqQueue }),
  };
}

describe.skipIf(!redisUp || !hasCelery)('canvas across a Python Celery 5.2 worker and a tq worker (Redis)', () => {
  let app: App;
  let worker: Worker;
  let python: ReturnType<typeof spawn> | undefined;
  let pythonOutput = '';
  let cleanupDir: () => void = () => {};

  let tq: ReturnType<typeof defineTqTasks>;

  beforeAll(async () => {
    const { dir, cleanup } = tempDir();
    cleanupDir = cleanup;
    writeFileSync(join(dir, 'interop_tasks.py'), PY_MODULE);
    python = spawn(PYTHON, ['-m', 'celery', '-A', 'interop_tasks', 'worker', '-P', 'solo', '--without-mingle', '--without-gossip', '--without-heartbeat', '-Q', pyQueue, '-l', 'INFO'], {
      cwd: dir,
      env: { ...process.env, PYTHONPATH: dir, PYTHONDONTWRITEBYTECODE: '1' },
    });
    python.stdout!.on('data', (chunk) => (pythonOutput += chunk));
    python.stderr!.on('data', (chunk) => (pythonOutput += chunk));

    app = createApp({ name: 'tq-interop', defaultQueue: tqQueue });
    tq = defineTqTasks(app);
    worker = createWorker({
      app,
      transport: redisTransport(REDIS_URL, { keyPrefix: prefix }),
      backend: redisResultBackend(REDIS_URL, { keyPrefix: '' }),
      queues: [tqQueue],
      concurrency: 4,
      logger: silentLogger,
    });
    await worker.start();

    const deadline = Date.now() + 60_000;
    while (!/ready\./.test(pythonOutput)) {
      if (python.exitCode !== null || Date.now() > deadline) throw new Error(`Celery worker did not start:\n${pythonOutput}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }, 90_000);

  afterAll(async () => {
    if (process.env.CANVAS_INTEROP_LOG) writeFileSync(process.env.CANVAS_INTEROP_LOG, pythonOutput);
    await worker?.close();
    if (python && python.exitCode === null) {
      python.kill('SIGTERM');
      await exited(python);
    }
    const prefixed = execFileSync('redis-cli', ['-h', '127.0.0.1', '--scan', '--pattern', `${prefix}*`], { encoding: 'utf8' }).split('\n').filter(Boolean);
    const keys = [...prefixed, ...[...resultKeys].map((id) => `celery-task-meta-${id}`)];
    for (let i = 0; i < keys.length; i += 500) execFileSync('redis-cli', ['-h', '127.0.0.1', 'del', ...keys.slice(i, i + 500)]);
    cleanupDir();
  }, 60_000);

  const py = <In extends unknown[], Out>(name: string, args: unknown[] = []) =>
    signature<In, Out>(app, name, { args, options: { queue: pyQueue } });

  function remember(result: { id: string; parent?: unknown; results?: unknown[] } | undefined): void {
    if (!result) return;
    resultKeys.add(result.id);
    for (const member of (result.results ?? []) as { id: string }[]) remember(member);
    remember(result.parent as never);
  }

  test('a chain alternating tq and Python tasks returns the right final result', async () => {
    const { add, double } = tq;
    // tq.add(1, 2) = 3 → py.mul(3, 10) = 30 → tq.double = 60 → py.add(60, 5) = 65 → tq.add(65, 100) = 165
    const workflow = chain(
      add.s(1, 2),
      py<[number], number>('py.mul', [10]),
      double.s(),
      py<[number], number>('py.add', [5]),
      add.s(100),
    );
    const result: CanvasResult<number> = await workflow.delay();
    remember(result);
    expect(await result.get({ timeout: 60 }), pythonOutput).toBe(165);
    const steps: unknown[] = [];
    for (let node: CanvasResult | undefined = result; node; node = node.parent as CanvasResult | undefined) steps.unshift(await node.get({ timeout: 10 }));
    expect(steps).toEqual([3, 30, 60, 65, 165]);
    const metas = await Promise.all([result, result.parent as CanvasResult].map((r) => app.requireBackend().get(r.id)));
    // The last step ran on tq, the one before on Python (Celery's worker does not write tq's `worker` field).
    expect(metas[0]?.worker).toMatch(/^tq@/);
    expect(metas[1]?.worker).toBeUndefined();
  }, 90_000);

  test('a chord with header parts on both workers and a Python body completes once, in order', async () => {
    const { one } = tq;
    const result = await chord(
      [one.s(1), py<[], number>('py.add', [1, 1]), one.s(3), py<[], number>('py.mul', [2, 2])],
      py<[number[]], number>('py.tsum'),
    ).delay();
    remember(result);
    expect(await result.get({ timeout: 60 }), pythonOutput).toBe(1 + 2 + 3 + 4);
    expect(await (result.parent as GroupResult).get({ timeout: 10 })).toEqual([1, 2, 3, 4]);
  }, 90_000);
});
