import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { type App, createApp, TaskFailedError } from '@tq/core';
import { redisResultBackend, redisTransport } from '@tq/redis';
import { msgpackSerializer } from '@tq/serializer-msgpack';
import { serviceAvailable, uniqueName } from '../../../tooling/test-support/services.js';
import { celeryClient, cleanupRedis, type InteropEnv, type Proc, pythonHas, startCeleryWorker, startTqWorker } from './interop/processes.js';

/**
 * msgpack task messages compressed with kombu's gzip (zlib) and msgpack results, over Redis, between real Python
 * Celery 5.2 processes and real tq processes. What must survive the trip: a 13-digit millisecond timestamp stays an
 * integer (not a float), bytes stay bytes (Uint8Array in JS), floats stay floats. The tq worker decodes msgpack
 * because the tq command registers the installed @tq/serializer-msgpack and tq-app.ts accepts it; it writes
 * msgpack results because tq-app.ts gives its backend the msgpack serializer (INTEROP_RESULT_SERIALIZER).
 */
const REDIS_URL = 'redis://127.0.0.1:6379/0';
const redisUp = await serviceAvailable('redis', '127.0.0.1', 6379);
const hasCelery = pythonHas(['celery', 'redis', 'msgpack'], 'Celery ⇄ tq msgpack interop over Redis');
const hex = (bytes: number[]) => Buffer.from(bytes).toString('hex');

describe.skipIf(!redisUp || !hasCelery)('msgpack + gzip over Redis: Python Celery 5.2 ⇄ tq', () => {
  const prefix = `${uniqueName('interop-msgpack')}:`;
  const taskIds = new Set<string>();
  const msgpack = { INTEROP_SERIALIZER: 'msgpack', INTEROP_RESULT_SERIALIZER: 'msgpack' } as const;
  const toTq: InteropEnv = {
    INTEROP_BROKER: REDIS_URL,
    INTEROP_BACKEND: REDIS_URL,
    INTEROP_QUEUE: uniqueName('tq'),
    INTEROP_KEY_PREFIX: prefix,
    INTEROP_COMPRESSION: 'gzip',
    ...msgpack,
  };
  // This Celery worker accepts only msgpack: a JSON message from tq would be refused, not run.
  const toPython: InteropEnv = { ...toTq, INTEROP_QUEUE: uniqueName('py'), INTEROP_ACCEPT: 'msgpack' };
  let tqWorker: Proc | undefined;
  let pythonWorker: Proc | undefined;
  let client: App | undefined;

  beforeAll(async () => {
    const [tq, python] = await Promise.allSettled([startTqWorker(toTq, REDIS_URL, REDIS_URL), startCeleryWorker(toPython)]);
    if (tq.status === 'fulfilled') tqWorker = tq.value;
    if (python.status === 'fulfilled') pythonWorker = python.value;
    for (const started of [tq, python]) if (started.status === 'rejected') throw started.reason;
    client = createApp({
      name: 'interop-msgpack-client',
      broker: redisTransport(REDIS_URL, { keyPrefix: prefix }),
      backend: redisResultBackend(REDIS_URL, { serializer: msgpackSerializer }),
      serializers: [msgpackSerializer],
      taskSerializer: 'msgpack',
      compression: 'gzip',
      accept: ['msgpack'],
    });
  }, 90_000);

  afterAll(async () => {
    await client?.close();
    await Promise.all([tqWorker?.stop(), pythonWorker?.stop()]);
    cleanupRedis(prefix, taskIds);
  }, 60_000);

  const logs = () => `--- tq worker ---\n${tqWorker?.output()}\n--- celery worker ---\n${pythonWorker?.output()}`;

  test('Celery client (msgpack, gzip) → tq worker: ints stay ints, bytes stay bytes, in both the call and the result', async () => {
    const before = Date.now();
    const [stamp, big, failure] = await celeryClient(
      toTq,
      [
        { name: 'interop.stamp', args: [{ __bytes__: hex([0, 1, 0x80]) }] },
        { name: 'interop.echo', args: [1_700_000_000_123, 2 ** 53 - 1, -(2 ** 40), 1.25], kwargs: { blob: { __bytes__: 'ff00' } } },
        { name: 'interop.fail', args: ['type', 'z'] },
      ],
      taskIds,
    );
    expect(stamp, logs()).toMatchObject({
      ok: true,
      // The message was compressed (kombu sends the MIME type in the header) and the bytes arrived as a Uint8Array.
      value: { raw: { __bytes__: hex([0, 1, 0x80, 0xff]) }, got: 'Uint8Array', half: 0.5, compression: 'application/x-gzip' },
      types: { at: 'int', raw: 'bytes', got: 'str', half: 'float', compression: 'str' },
    });
    const at = (stamp!.value as { at: number }).at;
    expect(String(at)).toMatch(/^\d{13}$/);
    expect(at).toBeGreaterThanOrEqual(before);
    expect(big).toMatchObject({
      ok: true,
      value: { args: [1_700_000_000_123, 2 ** 53 - 1, -(2 ** 40), 1.25, { blob: { __bytes__: 'ff00' } }] },
      types: { args: ['int', 'int', 'int', 'float', { blob: 'bytes' }] },
    });
    expect(failure).toMatchObject({ ok: false, excType: 'TypeError', excModule: 'builtins', excArgs: ['expected a number, got z'] });
  }, 90_000);

  test('tq client (msgpack, gzip) → Celery worker accepting only msgpack: the result decodes with ints and bytes intact', async () => {
    const send = (name: string, args: unknown[]) => {
      const pending = client!.sendTask(name, args, {}, { queue: toPython.INTEROP_QUEUE });
      taskIds.add(pending.id);
      return pending;
    };
    const before = Date.now();
    const stamp = (await send('py.stamp', [Uint8Array.from([0, 1, 0x80])]).get({ timeout: 30 })) as Record<string, unknown>;
    expect(stamp, logs()).toMatchObject({ got: 'bytes', half: 0.5, compression: 'application/x-gzip' });
    expect(stamp.raw).toBeInstanceOf(Uint8Array);
    expect([...(stamp.raw as Uint8Array)]).toEqual([0, 1, 0x80, 0xff]);
    expect(Number.isInteger(stamp.at)).toBe(true);
    expect(String(stamp.at)).toMatch(/^\d{13}$/);
    expect(stamp.at as number).toBeGreaterThanOrEqual(before - 1000);

    expect(await send('py.add', [1_700_000_000_000, 123]).get({ timeout: 30 })).toBe(1_700_000_000_123);
    const failure = await send('py.fail', [[1, 2]]).get({ timeout: 30 }).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(TaskFailedError);
    expect(failure).toMatchObject({ excType: 'ValueError', excModule: 'builtins', excMessage: ['bad input: [1, 2]'] });
  }, 90_000);
});
