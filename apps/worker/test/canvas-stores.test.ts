import { execFileSync, spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import {
  type App,
  type CanvasResult,
  chain,
  chord,
  createApp,
  createWorker,
  group,
  GroupResult,
  silentLogger,
  States,
  TaskFailedError,
  type Worker,
} from '@tq/core';
import { serviceAvailable, uniqueName } from '../../../tooling/test-support/services.js';
import { defineCanvasTasks, storeFor } from './canvas-tasks.fixture.js';
import { exited, repoRoot, tempDir } from './cli-harness.js';

const REDIS_URL = 'redis://127.0.0.1:6379/0';
const redisUp = await serviceAvailable('redis', '127.0.0.1', 6379);
const memcachedUp = await serviceAvailable('memcached', '127.0.0.1', 11211);

interface Store {
  kind: 'sqlite' | 'redis' | 'memcached';
  url: string;
  prefix: string;
  queue: string;
  dir: string;
}

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

function newStore(kind: Store['kind']): Store {
  const { dir, cleanup } = tempDir();
  cleanups.push(cleanup);
  const prefix = `${uniqueName('canvas')}:`;
  if (kind === 'redis') cleanups.push(() => deleteRedisKeys(prefix));
  return { kind, url: kind === 'redis' ? REDIS_URL : `sqlite://${join(dir, 'tq.db')}`, prefix, queue: uniqueName('q'), dir };
}

function deleteRedisKeys(prefix: string) {
  const keys = execFileSync('redis-cli', ['-h', '127.0.0.1', '--scan', '--pattern', `${prefix}*`], { encoding: 'utf8' }).split('\n').filter(Boolean);
  for (let i = 0; i < keys.length; i += 500) execFileSync('redis-cli', ['-h', '127.0.0.1', 'del', ...keys.slice(i, i + 500)]);
}

/** An app on the store plus an in-process worker. */
async function appWithWorker(store: Store): Promise<{ app: App; tasks: ReturnType<typeof defineCanvasTasks>; worker: Worker }> {
  const app = createApp({ name: 'canvas-client', defaultQueue: store.queue });
  const tasks = defineCanvasTasks(app);
  const { transport, backend } = await storeFor(store.kind, store.url, store.prefix);
  const worker = createWorker({ app, transport, backend, concurrency: 8, queues: [store.queue], logger: silentLogger });
  await worker.start();
  cleanups.push(() => worker.close());
  return { app, tasks, worker };
}

/** A worker in its own process (canvas-tasks.fixture.ts), for races between processes. */
async function workerProcess(store: Store) {
  const child = spawn(process.execPath, ['--import', 'tsx', '--conditions=@tq/source', join(import.meta.dirname, 'canvas-tasks.fixture.ts')], {
    cwd: repoRoot,
    env: { ...process.env, CANVAS_STORE: store.kind, CANVAS_URL: store.url, CANVAS_QUEUE: store.queue, CANVAS_PREFIX: store.prefix, CANVAS_CONCURRENCY: '8' },
  });
  let output = '';
  child.stdout.on('data', (chunk) => (output += chunk));
  child.stderr.on('data', (chunk) => (output += chunk));
  cleanups.push(async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    await exited(child);
  });
  const deadline = Date.now() + 30_000;
  while (!output.includes('ready')) {
    if (child.exitCode !== null || Date.now() > deadline) throw new Error(`canvas worker did not start:\n${output}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return { child, output: () => output };
}

function lines(file: string): string[] {
  return existsSync(file) ? readFileSync(file, 'utf8').trim().split('\n').filter(Boolean) : [];
}

const stores = [
  { kind: 'sqlite' as const, up: true },
  { kind: 'redis' as const, up: redisUp },
  { kind: 'memcached' as const, up: memcachedUp },
];

for (const { kind, up } of stores) {
  const where = kind === 'memcached' ? 'a SQLite broker with memcached results' : kind;
  describe.skipIf(!up)(`canvas on ${where}`, () => {
    test('chain, with results flowing and parents leading back', async () => {
      const store = newStore(kind);
      const { tasks } = await appWithWorker(store);
      const result = await chain(tasks.add.s(2, 3), tasks.mul.s(10), tasks.add.s(1)).delay();
      expect(await result.get({ timeout: 20 })).toBe(51);
      expect(await (result.parent as CanvasResult).get({ timeout: 5 })).toBe(50);
    });

    test('group, GroupResult counts, save and restore', async () => {
      const store = newStore(kind);
      const { app, tasks } = await appWithWorker(store);
      const result = await group([tasks.add.s(1, 1), tasks.add.s(2, 2), tasks.fail.s()]).delay();
      await result.save();
      await expect(result.get({ timeout: 20 })).rejects.toBeInstanceOf(TaskFailedError);
      const restored = await GroupResult.restore(app, result.id);
      expect(await restored!.get({ timeout: 5, propagate: false }).then((values) => values.slice(0, 2))).toEqual([2, 4]);
      expect(await restored!.completedCount()).toBe(2);
      expect(await restored!.failed()).toBe(true);
    });

    test('chord: the body gets the ordered header results', async () => {
      const store = newStore(kind);
      const { tasks } = await appWithWorker(store);
      const result = await chord(
        Array.from({ length: 20 }, (_, i) => tasks.one.s(i)),
        tasks.total.s(),
      ).delay();
      expect(await result.get({ timeout: 30 })).toBe(190);
      expect(await (result.parent as GroupResult).get({ timeout: 5 })).toEqual(Array.from({ length: 20 }, (_, i) => i));
    });

    test('chord with a failing part: ChordError to the body errback and on the body result', async () => {
      const store = newStore(kind);
      const marker = join(store.dir, 'marker.log');
      const { tasks } = await appWithWorker(store);
      const body = tasks.total.s(marker).onError(tasks.onError.s(marker));
      const result = await chord([tasks.one.s(1), tasks.fail.s(), tasks.one.s(3)], body).delay();
      const error = (await result.get({ timeout: 30 }).catch((e: unknown) => e)) as TaskFailedError;
      expect(error).toBeInstanceOf(TaskFailedError);
      expect(error.excType).toBe('ChordError');
      const failedPart = (result.parent as GroupResult).results[1]!.id;
      expect(error.excMessage[0]).toBe(`Dependency ${failedPart} raised TypeError('part failed on purpose')`);
      const deadline = Date.now() + 20_000;
      while (!lines(marker).some((line) => line.startsWith('errback')) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      expect(lines(marker)).toEqual([`errback ${result.id}`]);
    });

    test('group then task in a chain (a chord) then more steps', async () => {
      const store = newStore(kind);
      const { tasks } = await appWithWorker(store);
      const result = await chain(tasks.add.s(1, 1), group([tasks.add.s(10), tasks.add.s(20)]), tasks.total.s(), tasks.mul.s(2)).delay();
      expect(await result.get({ timeout: 30 })).toBe((12 + 22) * 2);
    });

    test('map, starmap and chunks', async () => {
      const store = newStore(kind);
      const { tasks } = await appWithWorker(store);
      const mapped = await tasks.one.map([5, 6, 7]).delay();
      const starred = await tasks.add.starmap([[1, 2], [3, 4]]).delay();
      const chunked = await tasks.add.chunks([[1, 1], [2, 2], [3, 3]], 2).delay();
      expect(await mapped.get({ timeout: 20 })).toEqual([5, 6, 7]);
      expect(await starred.get({ timeout: 20 })).toEqual([3, 7]);
      expect(await chunked.get({ timeout: 20 })).toEqual([[2, 4], [6]]);
    });

    test('link and an old-style errback', async () => {
      const store = newStore(kind);
      const marker = join(store.dir, 'marker.log');
      const { tasks } = await appWithWorker(store);
      const ok = tasks.add.s(1, 2);
      ok.link(tasks.mul.s(5));
      const sent = await ok.delay();
      expect(await sent.get({ timeout: 20 })).toBe(3);
      const deadline = Date.now() + 20_000;
      let children: Awaited<ReturnType<CanvasResult['children']>> = [];
      while (children.length === 0 && Date.now() < deadline) children = await sent.children();
      expect(await (children[0] as CanvasResult).get({ timeout: 20 })).toBe(15);
      const failing = await tasks.fail.s().onError(tasks.onError.s(marker)).delay();
      expect(await failing.get({ timeout: 20, propagate: false })).toBeDefined();
      while (lines(marker).length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      expect(lines(marker)).toEqual([`errback ${failing.id}`]);
      expect(await failing.state()).toBe(States.FAILURE);
    });

    test('a chord of 1,000 parts completes exactly once with two worker processes racing', async () => {
      const store = newStore(kind);
      const marker = join(store.dir, 'body.log');
      const partsMarker = join(store.dir, 'parts.log');
      const first = await workerProcess(store);
      const second = await workerProcess(store);
      const app = createApp({ name: 'canvas-race-client', defaultQueue: store.queue });
      const tasks = defineCanvasTasks(app);
      const { transport, backend } = await storeFor(store.kind, store.url, store.prefix);
      app.configure({ broker: transport, backend });
      cleanups.push(() => app.close());
      const parts = Array.from({ length: 1000 }, (_, i) => tasks.part.s(i, partsMarker));
      const result = await chord(parts, tasks.total.s(marker)).delay();
      expect(await result.get({ timeout: 180 })).toBe((999 * 1000) / 2);
      const header = result.parent as GroupResult;
      expect(await header.completedCount()).toBe(1000);
      // Give a second (wrong) completion time to show up before counting.
      await new Promise((resolve) => setTimeout(resolve, 500));
      expect(lines(marker)).toHaveLength(1);
      expect(lines(marker)[0]).toMatch(/^body \d+ 1000$/);
      // Both processes took header parts (they raced for the chord), and each part ran once.
      const pids = lines(partsMarker);
      expect(pids).toHaveLength(1000);
      expect(new Set(pids), first.output() + second.output()).toEqual(new Set([String(first.child.pid), String(second.child.pid)]));
    }, 240_000);
  });
}
