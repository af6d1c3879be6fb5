import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createApp, TqError } from '@tq/core';
import { amqpAdapter, createAmqpTransport, createRpcResultBackend, rpcAdapter } from '@tq/amqp';
import { msgpackSerializer } from '@tq/serializer-msgpack';
import { serviceAvailable, uniqueName } from '../../../tooling/test-support/services.js';
import { celeryClient, cleanupAmqp, type InteropEnv, type Proc, pythonHas, runTq, startCeleryWorker, startTqWorker } from './interop/processes.js';

/**
 * msgpack over RabbitMQ with the rpc:// backend, between real Celery 5.2 and tq processes. rpc:// replies carry
 * their content type, so each side decodes a reply by it, if it has (and accepts) that serializer. Both Python
 * processes accept only msgpack, so a JSON message or reply from tq would be refused, not silently decoded.
 */
const AMQP_URL = 'amqp://guest:guest@127.0.0.1:5672//';
const rabbitUp = await serviceAvailable('rabbitmq', '127.0.0.1', 5672);
const hasCelery = pythonHas(['celery', 'msgpack'], 'Celery ⇄ tq msgpack interop over RabbitMQ');

describe.skipIf(!rabbitUp || !hasCelery)('msgpack over RabbitMQ + rpc://: Python Celery 5.2 ⇄ tq', () => {
  const msgpackOnly = { INTEROP_SERIALIZER: 'msgpack', INTEROP_ACCEPT: 'msgpack', INTEROP_RESULT_SERIALIZER: 'msgpack' } as const;
  const toTq: InteropEnv = { INTEROP_BROKER: AMQP_URL, INTEROP_BACKEND: 'rpc://', INTEROP_QUEUE: uniqueName('tq'), ...msgpackOnly };
  const toPython: InteropEnv = { ...toTq, INTEROP_QUEUE: uniqueName('py') };
  const ids = new Set<string>();
  let tqWorker: Proc | undefined;
  let pythonWorker: Proc | undefined;

  beforeAll(async () => {
    const [tq, python] = await Promise.allSettled([startTqWorker(toTq, AMQP_URL, 'rpc://'), startCeleryWorker(toPython)]);
    if (tq.status === 'fulfilled') tqWorker = tq.value;
    if (python.status === 'fulfilled') pythonWorker = python.value;
    for (const started of [tq, python]) if (started.status === 'rejected') throw started.reason;
  }, 90_000);

  afterAll(async () => {
    await Promise.all([tqWorker?.stop(), pythonWorker?.stop()]);
    await cleanupAmqp(AMQP_URL, [toTq.INTEROP_QUEUE, toPython.INTEROP_QUEUE]);
  }, 60_000);

  const logs = () => `--- tq worker ---\n${tqWorker?.output()}\n--- celery worker ---\n${pythonWorker?.output()}`;
  const clientApp = (backendOptions: Record<string, unknown> = {}, serializers = [msgpackSerializer]) =>
    createApp({ name: 'interop-rpc-msgpack', broker: AMQP_URL, backend: 'rpc://', adapters: [amqpAdapter, rpcAdapter], serializers, taskSerializer: 'msgpack', backendOptions });

  test('Celery client → tq worker: the msgpack reply (tq-app gives rpc:// the msgpack serializer) keeps ints and bytes', async () => {
    const [stamp, failure] = await celeryClient(
      toTq,
      [
        { name: 'interop.stamp', args: [{ __bytes__: '00ff' }] },
        { name: 'interop.fail', args: ['quota', 'bob'] },
      ],
      ids,
    );
    expect(stamp, logs()).toMatchObject({
      ok: true,
      value: { raw: { __bytes__: '00ffff' }, got: 'Uint8Array', half: 0.5 },
      types: { at: 'int', raw: 'bytes', half: 'float' },
    });
    expect(String((stamp!.value as { at: number }).at)).toMatch(/^\d{13}$/);
    expect(failure).toMatchObject({ ok: false, excType: 'QuotaExceeded', excArgs: ['quota used up by bob'], state: 'FAILURE' });
  }, 90_000);

  test('tq client → Celery worker: a msgpack reply decodes when the rpc backend is given msgpack (backendOptions.serializers)', async () => {
    const app = clientApp({ serializers: [msgpackSerializer] });
    try {
      const stamp = (await app.sendTask('py.stamp', [Uint8Array.from([7])], {}, { queue: toPython.INTEROP_QUEUE }).get({ timeout: 30 })) as Record<string, unknown>;
      expect(stamp, logs()).toMatchObject({ got: 'bytes', half: 0.5 });
      expect([...(stamp.raw as Uint8Array)]).toEqual([7, 0xff]);
      expect(String(stamp.at)).toMatch(/^\d{13}$/);
    } finally {
      await app.close();
    }
  }, 60_000);

  // The app's serializers (and those the tq command registers) reach URL-built result backends, so rpc:// decodes
  // a Celery worker's msgpack reply; `--serializer msgpack` because this Celery worker accepts only msgpack.
  test('`tq call --wait --result-backend rpc://` reads a Celery worker msgpack reply (msgpack is installed)', async () => {
    const call = await runTq(toPython, 'call', ['--broker', AMQP_URL, '--result-backend', 'rpc://', '--queue', toPython.INTEROP_QUEUE, 'py.add', '--args', '[2,3]', '--serializer', 'msgpack', '--wait', '--timeout', '8']);
    expect(call.output.trim().split('\n').at(-1), call.output).toBe('5');
    expect(call.code).toBe(0);
  }, 60_000);

  const unanswered: string[] = [];

  test('an app with msgpack registered reads a msgpack rpc:// reply without backendOptions', async () => {
    const app = clientApp();
    try {
      const pending = app.sendTask('py.add', [2, 3], {}, { queue: toPython.INTEROP_QUEUE });
      unanswered.push(pending.id);
      expect(await pending.get({ timeout: 8 })).toBe(5);
    } finally {
      await app.close();
    }
  }, 60_000);

  // A reply the rpc backend cannot decode, for a task someone waits for, fails that wait at once with the reason.
  test('a reply in a content type the rpc backend cannot decode fails get() at once, not by timeout', async () => {
    const transport = createAmqpTransport({ url: AMQP_URL });
    const backend = createRpcResultBackend({ transport }); // JSON only, whatever the app registers
    const app = createApp({ name: 'interop-rpc-json-only', broker: transport, backend, serializers: [msgpackSerializer], taskSerializer: 'msgpack' });
    try {
      const pending = app.sendTask('py.add', [2, 3], {}, { queue: toPython.INTEROP_QUEUE });
      unanswered.push(pending.id);
      const error = await pending.get({ timeout: 8 }).catch((caught: unknown) => caught);
      expect(TqError.is(error), String(error)).toBe(true);
      expect((error as TqError).code).not.toBe('TQ_TIMEOUT');
    } finally {
      await app.close();
    }
  }, 60_000);

  test('the Celery worker did run and answer each task of the two tasks above (the replies reached tq)', () => {
    expect(unanswered).toHaveLength(2);
    for (const id of unanswered) expect(pythonWorker?.output()).toMatch(new RegExp(`Task py\\.add\\[${id}\\] succeeded`));
  });
});
