import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { type App, createApp, TaskFailedError } from '@tq/core';
import { memcachedAdapter, memcachedBackend } from '@tq/backend-memcached';
import { redisTransport } from '@tq/redis';
import { msgpackSerializer } from '@tq/serializer-msgpack';
import { serviceAvailable, uniqueName } from '../../../tooling/test-support/services.js';
import { celeryClient, cleanupRedis, type InteropEnv, type Proc, pythonHas, startCeleryWorker, startTqWorker } from './interop/processes.js';

/**
 * Redis as the broker and memcached as the result backend (Celery's `cache+memcached://` with python-memcached,
 * tq's `memcached://`), between real Celery 5.2 and tq processes, both directions. Results are Celery's
 * `celery-task-meta-<id>` keys (no prefix on the Python side), forgotten by id afterwards.
 */
const REDIS_URL = 'redis://127.0.0.1:6379/0';
const MEMCACHED = '127.0.0.1:11211';
const redisUp = await serviceAvailable('redis', '127.0.0.1', 6379);
const memcachedUp = await serviceAvailable('memcached', '127.0.0.1', 11211);
const hasCelery = pythonHas(['celery', 'redis', 'memcache'], 'Celery ⇄ tq interop with a memcached result backend');

describe.skipIf(!redisUp || !memcachedUp || !hasCelery)('Redis broker + memcached backend: Python Celery 5.2 ⇄ tq', () => {
  const prefix = `${uniqueName('interop-memcached')}:`;
  const taskIds = new Set<string>();
  const toTq: InteropEnv = { INTEROP_BROKER: REDIS_URL, INTEROP_BACKEND: `cache+memcached://${MEMCACHED}/`, INTEROP_QUEUE: uniqueName('tq'), INTEROP_KEY_PREFIX: prefix };
  const toPython: InteropEnv = { ...toTq, INTEROP_QUEUE: uniqueName('py') };
  let tqWorker: Proc | undefined;
  let pythonWorker: Proc | undefined;
  let client: App | undefined;

  beforeAll(async () => {
    const [tq, python] = await Promise.allSettled([startTqWorker(toTq, REDIS_URL, `memcached://${MEMCACHED}`), startCeleryWorker(toPython)]);
    if (tq.status === 'fulfilled') tqWorker = tq.value;
    if (python.status === 'fulfilled') pythonWorker = python.value;
    for (const started of [tq, python]) if (started.status === 'rejected') throw started.reason;
    client = createApp({ name: 'interop-memcached', broker: redisTransport(REDIS_URL, { keyPrefix: prefix }), backend: memcachedBackend(`memcached://${MEMCACHED}`) });
  }, 90_000);

  afterAll(async () => {
    if (client) for (const id of taskIds) await client.backend?.forget(id).catch(() => {});
    await client?.close();
    await Promise.all([tqWorker?.stop(), pythonWorker?.stop()]);
    cleanupRedis(prefix, []);
  }, 60_000);

  const logs = () => `--- tq worker ---\n${tqWorker?.output()}\n--- celery worker ---\n${pythonWorker?.output()}`;

  test('Celery client → tq worker: the Python cache backend reads what tq stored in memcached', async () => {
    const [sum, echo, failure] = await celeryClient(
      toTq,
      [
        { name: 'interop.add', args: [1.5, 2] },
        { name: 'interop.echo', args: ['ü', null], kwargs: { n: 3 } },
        { name: 'interop.fail', args: ['type', 'm'] },
      ],
      taskIds,
    );
    expect(sum, logs()).toMatchObject({ ok: true, value: 3.5, types: 'float', state: 'SUCCESS' });
    expect(echo).toMatchObject({ ok: true, value: { args: ['ü', null, { n: 3 }] } });
    expect(failure).toMatchObject({ ok: false, excType: 'TypeError', excModule: 'builtins', excArgs: ['expected a number, got m'], state: 'FAILURE' });
  }, 90_000);

  test('tq client → Celery worker: tq reads what python-memcached stored, including a typed failure', async () => {
    const send = (name: string, args: unknown[]) => {
      const pending = client!.sendTask(name, args, {}, { queue: toPython.INTEROP_QUEUE });
      taskIds.add(pending.id);
      return pending;
    };
    expect(await send('py.add', ['tq', '✓']).get({ timeout: 30 }), logs()).toBe('tq✓');
    const failure = await send('py.fail', ['x']).get({ timeout: 30 }).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(TaskFailedError);
    expect(failure).toMatchObject({ excType: 'ValueError', excModule: 'builtins', excMessage: ["bad input: 'x'"] });
  }, 90_000);

  // Options an app gives URL-built backends (backendOptions: serializer, keyPrefix, expiresMs...) reach memcached,
  // so a tq app can match Celery's result_serializer=msgpack.
  test('a URL-built memcached backend honours backendOptions.serializer (reads a Celery msgpack result)', async () => {
    const env: InteropEnv = { ...toPython, INTEROP_QUEUE: uniqueName('py-msgpack'), INTEROP_SERIALIZER: 'msgpack' };
    const worker = await startCeleryWorker(env);
    const app = createApp({
      name: 'interop-memcached-url',
      broker: redisTransport(REDIS_URL, { keyPrefix: prefix }),
      backend: `memcached://${MEMCACHED}`,
      adapters: [memcachedAdapter],
      serializers: [msgpackSerializer],
      taskSerializer: 'msgpack',
      backendOptions: { serializer: msgpackSerializer },
    });
    try {
      const pending = app.sendTask('py.add', [2, 3], {}, { queue: env.INTEROP_QUEUE });
      taskIds.add(pending.id);
      // Today: TQ_DECODE (the backend decodes the msgpack value as JSON).
      expect(await pending.get({ timeout: 30 }), worker.output()).toBe(5);
    } finally {
      await app.close();
      await worker.stop();
    }
  }, 90_000);
});
