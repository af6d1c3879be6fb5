import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createApp, createWorker } from '@tq/core';
import { afterAll, describe, expect, test } from 'vitest';
import { RedisResultBackend, RedisTransport } from '../src/index.js';
import { dropPrefix, rawClient, REDIS_URL, redisUp, uniqueName, uniquePrefix, waitUntil } from './helpers.js';
import { celeryAvailable, python, startCeleryWorker } from './python-harness.js';

const REPO = resolve(import.meta.dirname, '../../..');
const prefixes: string[] = [];
const resultKeys: string[] = [];
const children: ChildProcess[] = [];

afterAll(async () => {
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  if (!redisUp) return;
  const client = rawClient();
  for (const prefix of prefixes) await dropPrefix(client, prefix);
  if (resultKeys.length > 0) await client.del(...resultKeys);
  client.disconnect();
});

function scenario(label: string) {
  const prefix = uniquePrefix(label);
  prefixes.push(prefix);
  return { prefix, queue: uniqueName(`${label}-q`) };
}

/** The app both sides of a test define: Celery's `tasks.add` and friends, on Redis with the scenario's prefix. */
function tqApp(prefix: string, queue: string, visibilityTimeoutMs?: number) {
  const app = createApp({
    name: 'redis-interop',
    broker: new RedisTransport({ url: REDIS_URL, keyPrefix: prefix, ...(visibilityTimeoutMs ? { visibilityTimeoutMs } : {}) }),
    backend: new RedisResultBackend({ url: REDIS_URL }),
    defaultQueue: queue,
  });
  app.task('tasks.add', (x: number, y: number) => x + y);
  app.task('tasks.tsum', (numbers: number[]) => numbers.reduce((sum, n) => sum + n, 0));
  return app;
}

function startChildWorker(env: Record<string, string>): ChildProcess & { output: () => string } {
  const child = spawn(process.execPath, ['--import', 'tsx', '--conditions=@tq/source', 'packages/redis/test/fixtures/worker.ts'], {
    cwd: REPO,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  return Object.assign(child, { output: () => output });
}

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

describe.skipIf(!redisUp)('the tq worker on Redis', () => {
  test('a worker SIGKILLed mid-task loses nothing: the task is redelivered and completes on another worker', async () => {
    const { prefix, queue } = scenario('kill');
    const dir = mkdtempSync(join(tmpdir(), 'tq-redis-kill-'));
    const marker = join(dir, 'marker.log');
    const env = { TQ_URL: REDIS_URL, TQ_PREFIX: prefix, TQ_QUEUE: queue, TQ_MARKER: marker, TQ_VT: '1500' };
    const producer = tqApp(prefix, queue);
    try {
      const first = startChildWorker(env);
      await waitUntil('the first worker is ready', () => first.output().includes('ready'), 20_000);
      const sent = producer.sendTask('tests.slow', [3000]);
      await sent;
      resultKeys.push(`celery-task-meta-${sent.id}`);
      await waitUntil('the task started', () => existsSync(marker) && readFileSync(marker, 'utf8').includes('start'), 20_000);
      first.kill('SIGKILL');
      await exited(first);
      expect(readFileSync(marker, 'utf8')).not.toContain('done');

      const second = startChildWorker(env);
      const result = await sent.get({ timeout: 30 });
      expect(result).toBe(`finished in ${second.pid}`);
      expect(readFileSync(marker, 'utf8').trim().split('\n')).toEqual([`start ${first.pid}`, `start ${second.pid}`, `done ${second.pid}`]);
      second.kill('SIGTERM');
      await exited(second);
      expect(second.exitCode, second.output()).toBe(0);
    } finally {
      await producer.close();
      rmSync(dir, { recursive: true, force: true });
    }
  }, 90_000);

  describe.skipIf(!celeryAvailable)('with Python Celery 5.2', () => {
    test('a Celery client sends to a tq worker and reads the result with AsyncResult.get', async () => {
      const { prefix, queue } = scenario('celery-to-tq');
      const app = tqApp(prefix, queue);
      const worker = createWorker({ app, queues: [queue], concurrency: 4 });
      await worker.start();
      try {
        const env = { broker: REDIS_URL, prefix, queue };
        const id = await python(env, 'send_task.py', ['tasks.add', '[2, 3]']);
        resultKeys.push(`celery-task-meta-${id}`);
        expect(JSON.parse(await python(env, 'get_result.py', [id, '20']))).toEqual({ state: 'SUCCESS', result: 5 });
      } finally {
        await worker.close();
        await app.close();
      }
    }, 60_000);

    test('a Celery chord whose parts run on a tq worker and a Celery worker at once completes exactly once', async () => {
      const { prefix, queue } = scenario('chord-mixed');
      const env = { broker: REDIS_URL, prefix, queue };
      const app = tqApp(prefix, queue);
      const worker = createWorker({ app, queues: [queue], concurrency: 4 });
      await worker.start();
      const celery = await startCeleryWorker(env, uniqueName('celery-w'));
      try {
        const id = await python(env, 'send_chord.py', ['12']);
        resultKeys.push(`celery-task-meta-${id}`);
        expect(JSON.parse(await python(env, 'get_result.py', [id, '30']))).toEqual({ state: 'SUCCESS', result: 132 });
      } finally {
        await celery.stop();
        await worker.close();
        await app.close();
      }
    }, 90_000);

    test('a tq client sends to a Celery worker and reads the result', async () => {
      const { prefix, queue } = scenario('tq-to-celery');
      const app = tqApp(prefix, queue);
      const celery = await startCeleryWorker({ broker: REDIS_URL, prefix, queue }, uniqueName('celery-w'));
      try {
        const sent = app.sendTask('tasks.add', [19, 23]);
        await sent;
        resultKeys.push(`celery-task-meta-${sent.id}`);
        expect(await sent.get({ timeout: 20 })).toBe(42);
      } finally {
        await celery.stop();
        await app.close();
      }
    }, 60_000);
  });
});
