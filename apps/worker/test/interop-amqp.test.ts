import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { type App, createApp, TaskFailedError } from '@tq/core';
import { amqpAdapter, rpcAdapter } from '@tq/amqp';
import { redisAdapter } from '@tq/redis';
import { serviceAvailable, uniqueName } from '../../../tooling/test-support/services.js';
import {
  celeryClient,
  cleanupAmqp,
  cleanupRedis,
  type InteropEnv,
  type Proc,
  pythonHas,
  runTq,
  startCeleryWorker,
  startTqWorker,
} from './interop/processes.js';

/**
 * RabbitMQ as the broker between real Python Celery 5.2 processes and real tq processes, with each of the two
 * result backends Celery users pair with it: `rpc://` (results travel back on the caller's reply queue) and
 * `redis://`. Both directions: Celery client → `tq worker`, tq client (in-process app built from URLs, and
 * `tq call --wait`) → `celery worker`.
 */
const AMQP_URL = 'amqp://guest:guest@127.0.0.1:5672//';
const REDIS_URL = 'redis://127.0.0.1:6379/0';
const rabbitUp = await serviceAvailable('rabbitmq', '127.0.0.1', 5672);
const redisUp = await serviceAvailable('redis', '127.0.0.1', 6379);
const hasCelery = pythonHas(['celery', 'redis'], 'Celery ⇄ tq interop over RabbitMQ');

const backends = [
  { name: 'rpc://', url: 'rpc://', needsRedis: false },
  { name: 'redis://', url: REDIS_URL, needsRedis: true },
];

describe.each(backends)('RabbitMQ broker + $name backend: Python Celery 5.2 ⇄ tq', ({ url: backendUrl, needsRedis }) => {
  const skip = !rabbitUp || !hasCelery || (needsRedis && !redisUp);
  const taskIds = new Set<string>();
  const toTq: InteropEnv = { INTEROP_BROKER: AMQP_URL, INTEROP_BACKEND: backendUrl, INTEROP_QUEUE: uniqueName('tq') };
  const toPython: InteropEnv = { ...toTq, INTEROP_QUEUE: uniqueName('py') };
  let tqWorker: Proc | undefined;
  let pythonWorker: Proc | undefined;
  let client: App | undefined;

  beforeAll(async () => {
    if (skip) return;
    const [tq, python] = await Promise.allSettled([startTqWorker(toTq, AMQP_URL, backendUrl), startCeleryWorker(toPython)]);
    if (tq.status === 'fulfilled') tqWorker = tq.value;
    if (python.status === 'fulfilled') pythonWorker = python.value;
    for (const started of [tq, python]) if (started.status === 'rejected') throw started.reason;
    // Built from URLs, as the tq command builds it: rpc:// learns the broker URL from the app.
    client = createApp({ name: 'interop-client', broker: AMQP_URL, backend: backendUrl, adapters: [amqpAdapter, rpcAdapter, redisAdapter] });
  }, 90_000);

  afterAll(async () => {
    if (skip) return;
    await client?.close();
    await Promise.all([tqWorker?.stop(), pythonWorker?.stop()]);
    await cleanupAmqp(AMQP_URL, [toTq.INTEROP_QUEUE, toPython.INTEROP_QUEUE]);
    if (needsRedis) cleanupRedis(undefined, taskIds);
  }, 60_000);

  const logs = () => `--- tq worker ---\n${tqWorker?.output()}\n--- celery worker ---\n${pythonWorker?.output()}`;

  test.skipIf(skip)('Celery client → tq worker: results and a typed failure read in Python', async () => {
    const [sum, echo, failure] = await celeryClient(
      toTq,
      [
        { name: 'interop.add', args: [40, 2] },
        { name: 'interop.echo', args: ['a'], kwargs: { b: [1, 2] } },
        { name: 'interop.fail', args: ['type', 'y'] },
      ],
      taskIds,
    );
    expect(sum, logs()).toMatchObject({ ok: true, value: 42, types: 'int', state: 'SUCCESS' });
    expect(echo).toMatchObject({ ok: true, value: { args: ['a', { b: [1, 2] }] } });
    expect(failure).toMatchObject({ ok: false, excType: 'TypeError', excModule: 'builtins', excArgs: ['expected a number, got y'], state: 'FAILURE' });
  }, 90_000);

  test.skipIf(skip)('tq client → Celery worker: results and a TaskFailedError with the Python type read in tq', async () => {
    const send = (name: string, args: unknown[], kwargs: Record<string, unknown> = {}) => {
      const pending = client!.sendTask(name, args, kwargs, { queue: toPython.INTEROP_QUEUE });
      taskIds.add(pending.id);
      return pending;
    };
    const [sum, echo, failure] = await Promise.all([
      send('py.add', [5, 6]).get({ timeout: 30 }),
      send('py.echo', [1], { k: 'v' }).get({ timeout: 30 }),
      send('py.quota', [9, 8])
        .get({ timeout: 30 })
        .catch((error: unknown) => error),
    ]);
    expect(sum, logs()).toBe(11);
    expect(echo).toEqual({ args: [1], kwargs: { k: 'v' } });
    expect(failure).toBeInstanceOf(TaskFailedError);
    expect(failure).toMatchObject({ excType: 'QuotaExceeded', excModule: 'interop_celery', excMessage: ['used 9 of 8'] });
    expect((failure as TaskFailedError).traceback).toMatch(/QuotaExceeded: used 9 of 8/);
  }, 90_000);

  test.skipIf(skip)('`tq call --wait` → Celery worker prints the result; a failure exits 1 with the Python type', async () => {
    const urls = ['--broker', AMQP_URL, '--result-backend', backendUrl, '--queue', toPython.INTEROP_QUEUE, '--wait', '--timeout', '30'];
    const ok = await runTq(toPython, 'call', [...urls, 'py.add', '--args', '[20,22]']);
    expect(ok.code, `${ok.output}\n${logs()}`).toBe(0);
    expect(ok.output.trim().split('\n').at(-1)).toBe('42');
    const failed = await runTq(toPython, 'call', [...urls, 'py.fail', '--args', '[7]']);
    expect(failed.code, failed.output).toBe(1);
    expect(failed.output).toMatch(/^tq: TQ_TASK_FAILED ValueError: bad input: 7$/m);
  }, 120_000);
});
