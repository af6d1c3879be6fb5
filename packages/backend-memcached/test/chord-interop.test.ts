import { execFile, execFileSync, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { serviceAvailable } from '../../../tooling/test-support/services.js';
import { Backends, MEMCACHED_URL, memcachedUp, rawClient, uniqueName } from './helpers.js';
import { type ProcessGroup, startGroup } from './support/process-group.js';

/**
 * Chords across a real Celery 5.2 worker (cache backend on memcached, python-memcached) and a real `tq worker`
 * (this backend), with Redis as the broker: Python tasks on one queue, tq tasks on another, both under one kombu
 * key prefix. Each chord body counts its runs in memcached, so "exactly once" is checked after every queue has
 * drained. Needs Redis, memcached and /usr/bin/python3 with celery, redis and memcache; skipped loudly without
 * them (a failure under CI=true).
 */
const PYTHON = '/usr/bin/python3';
const REDIS_URL = 'redis://127.0.0.1:6379/0';
const FIXTURES = fileURLToPath(new URL('./fixtures/', import.meta.url));
const REPO = fileURLToPath(new URL('../../../', import.meta.url));
const run = promisify(execFile);

const redisUp = await serviceAvailable('redis', '127.0.0.1', 6379);
const pythonReady = spawnSync(PYTHON, ['-c', 'import celery, redis, memcache'], { stdio: 'ignore' }).status === 0;
if (!pythonReady) {
  const reason = `${PYTHON} cannot import celery, redis, memcache (apt-get install python3-celery python3-redis python3-memcache)`;
  if (process.env.CI === 'true') throw new Error(`${reason}; under CI=true this is a failure`);
  console.warn(`\n!!! SKIPPING memcached chord interop tests: ${reason} !!!\n`);
}

type Part = [name: string, args: unknown[], queue: string];
interface Applied {
  body: string;
  group: string;
  header: string[];
}

describe.skipIf(!memcachedUp || !redisUp || !pythonReady)('chords between Celery 5.2 and tq on memcached', () => {
  const prefix = `${uniqueName('mc-chord')}:`;
  const pyQueue = uniqueName('py');
  const tqQueue = uniqueName('tq');
  const env = {
    ...process.env,
    CHORD_BROKER: REDIS_URL,
    CHORD_PREFIX: prefix,
    CHORD_PY_QUEUE: pyQueue,
    PYTHONPATH: FIXTURES,
    PYTHONDONTWRITEBYTECODE: '1',
  };
  const backends = new Backends();
  const backend = backends.create({ keyPrefix: '' });
  const taskIds = new Set<string>();
  const workers: ProcessGroup[] = [];

  beforeAll(async () => {
    const celery = startGroup(
      PYTHON,
      [
        '-m',
        'celery',
        '-A',
        'chord_interop_celery',
        'worker',
        '-P',
        'solo',
        '--without-mingle',
        '--without-gossip',
        '-l',
        'INFO',
      ],
      { cwd: FIXTURES, env },
    );
    workers.push(celery);
    const tq = startGroup(
      process.execPath,
      [
        '--import',
        'tsx',
        '--conditions=@tq/source',
        `${REPO}apps/worker/src/bin.ts`,
        'worker',
        '-A',
        `${FIXTURES}chord-interop-app.ts`,
        '--broker',
        REDIS_URL,
        '--result-backend',
        MEMCACHED_URL,
        '-Q',
        tqQueue,
        '-c',
        '4',
      ],
      { cwd: REPO, env },
    );
    workers.push(tq);
    await Promise.all([celery.waitFor(/ready\./, 60_000), tq.waitFor(/consuming/, 60_000)]);
  }, 90_000);

  afterAll(async () => {
    await Promise.all(workers.map((worker) => worker.stop()));
    for (const id of taskIds) await backend.forget(id).catch(() => {});
    await backends.closeAll();
    const keys = redis('--scan', '--pattern', `${prefix}*`).split('\n').filter(Boolean);
    if (keys.length) redis('del', ...keys);
  }, 60_000);

  const logs = () => workers.map((worker) => worker.output()).join('\n--------\n');
  const py = (name: string, ...args: unknown[]): Part => [name, args, pyQueue];
  const tq = (name: string, ...args: unknown[]): Part => [name, args, tqQueue];

  async function python(...args: string[]): Promise<Record<string, unknown>> {
    const { stdout } = await run(PYTHON, [`${FIXTURES}chord_interop_celery.py`, ...args], { env, timeout: 90_000 });
    return JSON.parse(stdout.trim().split('\n').at(-1)!);
  }

  function remember(applied: Applied): Applied {
    for (const id of [applied.body, ...applied.header]) taskIds.add(id);
    return applied;
  }

  /** A Python client (Celery's `chord(header)(body)`). */
  async function applyFromPython(header: Part[], body: Part, duplicate: number[] = []): Promise<Applied> {
    return remember((await python('apply', JSON.stringify({ header, body, duplicate }))) as unknown as Applied);
  }

  /** A tq client (tq's `chord(header, body).delay()`, run inside the tq worker, which has the Redis broker). */
  async function applyFromTq(header: Part[], body: Part): Promise<Applied> {
    const { value } = await python('call', 'tq.apply_chord', JSON.stringify([{ header, body }]), tqQueue);
    return remember(value as Applied);
  }

  /** A run counter for one chord's body, which the body increments. */
  async function runCounter(): Promise<{ tag: string; runs: () => Promise<number> }> {
    const tag = uniqueName('runs').replaceAll('.', '-');
    const client = rawClient();
    await client.set(`runs-${tag}`, '0', { expires: 600 });
    return {
      tag,
      async runs() {
        await settled();
        const { value } = await client.get(`runs-${tag}`);
        client.close();
        return Number(value?.toString());
      },
    };
  }

  /**
   * Every message handled: both queues and tq's unacked set empty (tq acknowledges after the chord step), then a
   * task through the solo Celery worker (which runs in order whatever it was sent before), then tq drained again.
   */
  async function settled(): Promise<void> {
    await drained();
    await python('call', 'py.square', '[2]', pyQueue);
    await drained();
  }

  async function drained(): Promise<void> {
    for (;;) {
      const waiting = [`${prefix}${tqQueue}`, `${prefix}${pyQueue}`].map((key) => Number(redis('llen', key)));
      const unacked = Number(redis('hlen', `${prefix}unacked`));
      if (waiting.every((count) => count === 0) && unacked === 0) return;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  async function bodyResult(applied: Applied): Promise<unknown> {
    return (
      await backend.waitFor(applied.body, { timeoutMs: 60_000 }).catch((error) => {
        throw new Error(`${String(error)}\n${logs()}`);
      })
    ).result;
  }

  test('Python applies, tq runs the header (two parts delivered twice), Celery runs the body once', async () => {
    const counter = await runCounter();
    const header = [0, 1, 2, 3, 4].map((x) => tq('tq.square', x));
    const applied = await applyFromPython(header, py('py.collect', counter.tag), [0, 3]);
    expect(await bodyResult(applied)).toEqual({ results: [0, 1, 4, 9, 16], by: 'python' });
    expect(await counter.runs()).toBe(1);
  }, 120_000);

  test('Python applies, tq runs the header and the body, once', async () => {
    const counter = await runCounter();
    const header = [3, 1, 2].map((x) => tq('tq.square', x));
    const applied = await applyFromPython(header, tq('tq.collect', counter.tag), [1]);
    expect(await bodyResult(applied)).toEqual({ results: [9, 1, 4], by: 'tq' });
    expect(await counter.runs()).toBe(1);
  }, 120_000);

  test('tq applies, Celery runs the header and completes the chord from the group tq saved; tq runs the body', async () => {
    const counter = await runCounter();
    const header = [5, 6, 7].map((x) => py('py.square', x));
    const applied = await applyFromTq(header, tq('tq.collect', counter.tag));
    expect(await bodyResult(applied)).toEqual({ results: [25, 36, 49], by: 'tq' });
    expect(await counter.runs()).toBe(1);
  }, 120_000);

  test('tq applies, Celery runs the header and the body', async () => {
    const counter = await runCounter();
    const applied = await applyFromTq([py('py.square', 2), py('py.square', 3)], py('py.collect', counter.tag));
    expect(await bodyResult(applied)).toEqual({ results: [4, 9], by: 'python' });
    expect(await counter.runs()).toBe(1);
  }, 120_000);

  test('mixed headers, either client: parts on both workers, the body once with results in order', async () => {
    const mixed = (offset: number) =>
      [0, 1, 2, 3, 4, 5].map((x) => (x % 2 ? py : tq)(`${x % 2 ? 'py' : 'tq'}.square`, x + offset));
    const fromPython = await runCounter();
    const pythonApplied = await applyFromPython(mixed(0), tq('tq.collect', fromPython.tag), [2]);
    const fromTq = await runCounter();
    const tqApplied = await applyFromTq(mixed(10), py('py.collect', fromTq.tag));
    expect(await bodyResult(pythonApplied)).toEqual({ results: [0, 1, 4, 9, 16, 25], by: 'tq' });
    expect(await bodyResult(tqApplied)).toEqual({ results: [100, 121, 144, 169, 196, 225], by: 'python' });
    expect(await fromPython.runs()).toBe(1);
    expect(await fromTq.runs()).toBe(1);
  }, 120_000);
});

function redis(...args: string[]): string {
  return execFileSync('redis-cli', ['-h', '127.0.0.1', ...args], { encoding: 'utf8' }).trim();
}
