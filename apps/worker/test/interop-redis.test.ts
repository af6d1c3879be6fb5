import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { type App, createApp, TaskFailedError } from '@tq/core';
import { redisResultBackend, redisTransport } from '@tq/redis';
import { serviceAvailable, uniqueName } from '../../../tooling/test-support/services.js';
import { celeryClient, cleanupRedis, type InteropEnv, type Proc, pythonHas, runTq, startCeleryWorker, startTqWorker } from './interop/processes.js';

/**
 * Python Celery 5.2 and tq as separate real processes on one Redis (broker and result backend):
 * a Celery client (`send_task` + `AsyncResult.get()`) against `tq worker`, and tq clients (in-process app, and
 * `tq call` / `tq result`) against `celery worker`. Broker keys live under a kombu `global_keyprefix` both sides
 * share; results are Celery's unprefixed `celery-task-meta-<id>`, deleted by id afterwards.
 */
const REDIS_URL = 'redis://127.0.0.1:6379/0';
const redisUp = await serviceAvailable('redis', '127.0.0.1', 6379);
const hasCelery = pythonHas(['celery', 'redis'], 'Celery ⇄ tq interop over Redis');

describe.skipIf(!redisUp || !hasCelery)('Redis broker + Redis backend: Python Celery 5.2 ⇄ tq', () => {
  const prefix = `${uniqueName('interop-redis')}:`;
  const taskIds = new Set<string>();
  const toTq: InteropEnv = { INTEROP_BROKER: REDIS_URL, INTEROP_BACKEND: REDIS_URL, INTEROP_QUEUE: uniqueName('tq'), INTEROP_KEY_PREFIX: prefix };
  const toPython: InteropEnv = { ...toTq, INTEROP_QUEUE: uniqueName('py') };
  let tqWorker: Proc | undefined;
  let pythonWorker: Proc | undefined;
  let client: App | undefined;

  beforeAll(async () => {
    const [tq, python] = await Promise.allSettled([startTqWorker(toTq, REDIS_URL, REDIS_URL), startCeleryWorker(toPython)]);
    if (tq.status === 'fulfilled') tqWorker = tq.value;
    if (python.status === 'fulfilled') pythonWorker = python.value;
    for (const started of [tq, python]) if (started.status === 'rejected') throw started.reason;
    client = createApp({
      name: 'interop-client',
      broker: redisTransport(REDIS_URL, { keyPrefix: prefix }),
      backend: redisResultBackend(REDIS_URL),
    });
  }, 90_000);

  afterAll(async () => {
    await client?.close();
    await Promise.all([tqWorker?.stop(), pythonWorker?.stop()]);
    cleanupRedis(prefix, taskIds);
  }, 60_000);

  const logs = () => `--- tq worker ---\n${tqWorker?.output()}\n--- celery worker ---\n${pythonWorker?.output()}`;

  test('Celery client → tq worker: AsyncResult.get() returns the value, and failures raise the exception by type', async () => {
    const [sum, typeError, custom] = await celeryClient(
      toTq,
      [
        { name: 'interop.add', args: [2, 3] },
        { name: 'interop.fail', args: ['type', 'x'] },
        { name: 'interop.fail', args: ['quota', 'alice'] },
      ],
      taskIds,
    );
    expect(sum, logs()).toMatchObject({ ok: true, value: 5, types: 'int', state: 'SUCCESS' });
    // A JS TypeError is stored as builtins.TypeError, so Python raises its own TypeError.
    expect(typeError).toMatchObject({ ok: false, excType: 'TypeError', excModule: 'builtins', excArgs: ['expected a number, got x'], state: 'FAILURE' });
    // A JS class Python does not have: Celery synthesizes an Exception subclass with the same name.
    expect(custom).toMatchObject({ ok: false, excType: 'QuotaExceeded', excArgs: ['quota used up by alice'], state: 'FAILURE' });
  }, 90_000);

  test('tq client → Celery worker: get() returns the value; a Python exception is a TaskFailedError with its type', async () => {
    const send = (name: string, args: unknown[], kwargs: Record<string, unknown> = {}) => {
      const pending = client!.sendTask(name, args, kwargs, { queue: toPython.INTEROP_QUEUE });
      taskIds.add(pending.id);
      return pending;
    };
    expect(await send('py.add', [2, 3]).get({ timeout: 30 }), logs()).toBe(5);
    // kwargs go to Python as keyword arguments.
    expect(await send('py.echo', [1], { b: 'two' }).get({ timeout: 30 })).toEqual({ args: [1], kwargs: { b: 'two' } });

    const valueError = await send('py.fail', [42]).get({ timeout: 30 }).catch((error: unknown) => error);
    expect(valueError).toBeInstanceOf(TaskFailedError);
    expect(valueError).toMatchObject({ code: 'TQ_TASK_FAILED', excType: 'ValueError', excModule: 'builtins', excMessage: ['bad input: 42'] });
    expect((valueError as TaskFailedError).traceback).toMatch(/ValueError: bad input: 42/);

    const custom = await send('py.quota', [5, 3]).get({ timeout: 30 }).catch((error: unknown) => error);
    expect(custom).toBeInstanceOf(TaskFailedError);
    expect(custom).toMatchObject({ excType: 'QuotaExceeded', excModule: 'interop_celery', excMessage: ['used 5 of 3'] });
  }, 90_000);

  test('`tq call` → Celery worker, result read with `tq result --wait` (success and failure)', async () => {
    const urls = ['--broker', REDIS_URL, '--result-backend', REDIS_URL];
    const sendAndRead = async (name: string, args: unknown[]) => {
      const sent = await runTq(toPython, 'call', [...urls, name, '--args', JSON.stringify(args), '--queue', toPython.INTEROP_QUEUE]);
      expect(sent.code, sent.output).toBe(0);
      const id = sent.output.trim().split('\n').at(-1)!;
      expect(id).toMatch(/^[0-9a-f-]{36}$/);
      taskIds.add(id);
      const read = await runTq(toPython, 'result', [...urls, id, '--wait', '--timeout', '30']);
      expect(read.code, read.output).toBe(0);
      return JSON.parse(read.output.trim().split('\n').at(-1)!) as Record<string, unknown>;
    };
    expect(await sendAndRead('py.add', [20, 22]), logs()).toMatchObject({ status: 'SUCCESS', result: 42 });
    expect(await sendAndRead('py.fail', [7])).toMatchObject({
      status: 'FAILURE',
      result: { exc_type: 'ValueError', exc_message: ['bad input: 7'], exc_module: 'builtins' },
    });
  }, 120_000);

});
