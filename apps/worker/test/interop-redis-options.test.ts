import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { serviceAvailable, uniqueName } from '../../../tooling/test-support/services.js';
import { celeryClient, cleanupRedis, type InteropEnv, type Proc, pythonHas, startTqWorker } from './interop/processes.js';

/**
 * A Python Celery 5.2 client on Redis calling tq tasks with keyword arguments and with a countdown. tq's convention
 * (packages/core/src/pools/execute-task.ts): kwargs reach a positional JS handler as one trailing object argument,
 * and only when there are any. A countdown becomes Celery's `eta` header, which the tq worker must honour; an
 * `expires` that passes first makes the worker revoke the task, and a name it does not know is stored as Celery's
 * NotRegistered failure, as a Celery worker does.
 */
const REDIS_URL = 'redis://127.0.0.1:6379/0';
const redisUp = await serviceAvailable('redis', '127.0.0.1', 6379);
const hasCelery = pythonHas(['celery', 'redis'], 'Celery → tq kwargs/countdown interop over Redis');

describe.skipIf(!redisUp || !hasCelery)('Celery 5.2 client → tq worker on Redis: kwargs, countdown, expires, unknown names', () => {
  const prefix = `${uniqueName('interop-options')}:`;
  const taskIds = new Set<string>();
  const env: InteropEnv = { INTEROP_BROKER: REDIS_URL, INTEROP_BACKEND: REDIS_URL, INTEROP_QUEUE: uniqueName('tq'), INTEROP_KEY_PREFIX: prefix };
  let worker: Proc | undefined;

  beforeAll(async () => {
    worker = await startTqWorker(env, REDIS_URL, REDIS_URL);
  }, 90_000);

  afterAll(async () => {
    await worker?.stop();
    cleanupRedis(prefix, taskIds);
  }, 60_000);

  test('keyword arguments arrive as one trailing object after the positional ones', async () => {
    const [both, onlyKwargs, onlyArgs, greeting, defaults] = await celeryClient(
      env,
      [
        { name: 'interop.echo', args: [1, 'two'], kwargs: { three: 3, nested: { four: [4] } } },
        { name: 'interop.echo', kwargs: { solo: true } },
        { name: 'interop.echo', args: [1] },
        { name: 'interop.greet', args: ['Ada'], kwargs: { greeting: 'Hi', punctuation: '!' } },
        { name: 'interop.greet', args: ['Ada'] },
      ],
      taskIds,
    );
    expect(both, worker?.output()).toMatchObject({ ok: true, value: { args: [1, 'two', { three: 3, nested: { four: [4] } }] } });
    expect(onlyKwargs).toMatchObject({ ok: true, value: { args: [{ solo: true }] } });
    // No kwargs: no trailing empty object, so optional parameters keep their defaults.
    expect(onlyArgs).toMatchObject({ ok: true, value: { args: [1] } });
    expect(greeting).toMatchObject({ ok: true, value: 'Hi, Ada!' });
    expect(defaults).toMatchObject({ ok: true, value: 'Hello, Ada.' });
  }, 90_000);

  test('a countdown is honoured: the task carries the ETA Celery set and does not run before it', async () => {
    const [delayed, immediate] = await celeryClient(
      env,
      [
        { name: 'interop.when', options: { countdown: 3 } },
        { name: 'interop.when' },
      ],
      taskIds,
      60,
    );
    expect(delayed, worker?.output()).toMatchObject({ ok: true, state: 'SUCCESS' });
    const { ranAt, eta } = delayed!.value as { ranAt: number; eta: string | null };
    expect(eta).toEqual(expect.any(String));
    const etaMs = Date.parse(eta!);
    // Celery's eta is now + countdown when the client sent it (both clocks are this machine's).
    expect(etaMs - delayed!.sentAt).toBeGreaterThanOrEqual(3000 - 1);
    expect(etaMs - delayed!.sentAt).toBeLessThan(3000 + 5000);
    expect(ranAt).toBeGreaterThanOrEqual(etaMs);
    // The message without a countdown carries no ETA and is not held behind the delayed one.
    expect(immediate).toMatchObject({ ok: true, value: { eta: null } });
    expect((immediate!.value as { ranAt: number }).ranAt).toBeLessThan(ranAt);
  }, 120_000);

  test('a task that expires before its ETA is revoked, not run; Python raises TaskRevokedError', async () => {
    const [expired] = await celeryClient(env, [{ name: 'interop.when', options: { countdown: 2, expires: 1 } }], taskIds, 60);
    expect(expired, worker?.output()).toMatchObject({ ok: false, excType: 'TaskRevokedError', excModule: 'celery.exceptions', state: 'REVOKED' });
    expect(worker?.output()).not.toMatch(new RegExp(`interop\\.when\\[${expired!.id}\\] succeeded`));
  }, 90_000);

  test('a task name the tq worker does not know fails as NotRegistered in Python (as a Celery worker reports it)', async () => {
    const [unknown] = await celeryClient(env, [{ name: 'interop.no_such_task', args: [1] }], taskIds);
    expect(unknown, worker?.output()).toMatchObject({
      ok: false,
      excType: 'NotRegistered',
      excModule: 'celery.exceptions',
      excArgs: ["'interop.no_such_task'"],
      state: 'FAILURE',
    });
  }, 90_000);
});
