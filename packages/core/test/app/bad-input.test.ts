import { describe, expect, test } from 'vitest';
import { createApp, encodeTaskMessage, ErrorCodes, jsonSerializer, States, testMode, TqError, type TransportMessage } from '@tq/core';

/**
 * Messages a worker cannot handle: each is refused with a typed error, dead-lettered (never acked as if handled,
 * never redelivered forever), a FAILURE is stored where the task id is known, and the worker keeps running.
 */
function rawMessage(overrides: Partial<TransportMessage> = {}): TransportMessage {
  const good = encodeTaskMessage({ id: 'good-id', task: 't.ok', args: [] }, { serializer: jsonSerializer });
  return { ...good, ...overrides, headers: { ...good.headers, ...overrides.headers }, properties: { ...good.properties, ...overrides.properties } };
}

async function setUp() {
  const app = createApp({ broker: 'memory://', backend: null });
  const ok = app.task('t.ok', () => 'still running');
  const tq = await testMode(app);
  await tq.transport.declareQueue({ name: 'celery' });
  const logged: string[] = [];
  for (const level of ['warn', 'error'] as const) {
    const original = tq.worker.logger[level];
    tq.worker.logger[level] = (message, fields) => {
      logged.push(`${message} ${String(fields?.code ?? '')}`);
      original(message, fields);
    };
  }
  /** Publishes the bad message, then a good task, and checks the worker ran the good one afterwards. */
  const sendThenCheckAlive = async (message: TransportMessage) => {
    await tq.transport.publish(message, { queue: 'celery' });
    const after = await ok.delay();
    await tq.runUntilIdle();
    expect(await after.get({ timeout: 5 })).toBe('still running');
    expect(await tq.transport.size('celery.dead')).toBe(1);
  };
  return { app, tq, logged, sendThenCheckAlive };
}

describe('bad input reaching a worker', () => {
  test('a body that is not valid JSON is dead-lettered with TQ_DECODE', async () => {
    const { tq, logged, sendThenCheckAlive } = await setUp();
    await sendThenCheckAlive(rawMessage({ body: new TextEncoder().encode('[[1, 2], {'), headers: { id: 'broken-json' } }));
    expect(logged.some((line) => line.includes('TQ_DECODE'))).toBe(true);
    await tq.close();
  });

  test('an unknown task name stores a NotRegistered FAILURE and is dead-lettered', async () => {
    const { app, tq, logged, sendThenCheckAlive } = await setUp();
    const unknown = encodeTaskMessage({ id: 'unknown-1', task: 'no.such.task', args: [1] }, { serializer: jsonSerializer });
    await sendThenCheckAlive(unknown);
    const meta = await app.AsyncResult('unknown-1').meta();
    expect(meta.status).toBe(States.FAILURE);
    expect(meta.result).toMatchObject({ exc_type: 'NotRegistered' });
    expect(logged.some((line) => line.includes('TQ_UNKNOWN_TASK'))).toBe(true);
    await tq.close();
  });

  test('a content type outside the accept list (pickle) is refused with TQ_CONTENT_TYPE_REFUSED', async () => {
    const { tq, logged, sendThenCheckAlive } = await setUp();
    await sendThenCheckAlive(rawMessage({ contentType: 'application/x-python-serialize', contentEncoding: 'binary', body: new Uint8Array([0x80, 0x04]) }));
    expect(logged.some((line) => line.includes('TQ_CONTENT_TYPE_REFUSED'))).toBe(true);
    await tq.close();
  });

  test('msgpack is refused when the accept list is the default (json only)', async () => {
    const { tq, logged, sendThenCheckAlive } = await setUp();
    await sendThenCheckAlive(rawMessage({ contentType: 'application/x-msgpack', contentEncoding: 'binary', body: new Uint8Array([0x93, 0x90, 0x80, 0x80]) }));
    expect(logged.some((line) => /TQ_(CONTENT_TYPE_REFUSED|UNKNOWN_CONTENT_TYPE)/.test(line))).toBe(true);
    await tq.close();
  });

  test('a message without the protocol headers (no task, no id) is refused with TQ_MALFORMED_MESSAGE', async () => {
    const { tq, logged, sendThenCheckAlive } = await setUp();
    const message = rawMessage();
    await sendThenCheckAlive({ ...message, headers: { lang: 'py' }, body: new TextEncoder().encode('[[], {}, {}]') });
    expect(logged.some((line) => line.includes('TQ_MALFORMED_MESSAGE'))).toBe(true);
    await tq.close();
  });

  test('a body of the wrong shape is refused with TQ_MALFORMED_MESSAGE', async () => {
    const { tq, logged, sendThenCheckAlive } = await setUp();
    await sendThenCheckAlive(rawMessage({ body: new TextEncoder().encode('{"not": "a list"}') }));
    expect(logged.some((line) => line.includes('TQ_MALFORMED_MESSAGE'))).toBe(true);
    await tq.close();
  });

  test('corrupt compressed data is refused with TQ_DECODE', async () => {
    const { tq, logged, sendThenCheckAlive } = await setUp();
    await sendThenCheckAlive(rawMessage({ headers: { compression: 'application/x-gzip' }, body: new Uint8Array([1, 2, 3, 4]) }));
    expect(logged.some((line) => line.includes('TQ_DECODE'))).toBe(true);
    await tq.close();
  });
});

describe('results the backend refuses', () => {
  test('a result that cannot be encoded is stored as a FAILURE once, not retried forever', async () => {
    const app = createApp({ broker: 'memory://', backend: null });
    let runs = 0;
    const returnsFunction = app.task('t.returns-function', () => {
      runs++;
      return () => 'not serializable';
    });
    const tq = await testMode(app);
    const original = tq.backend.store.bind(tq.backend);
    tq.backend.store = async (taskId, meta, options) => {
      if (typeof meta.result === 'function') throw new TqError(ErrorCodes.ENCODE, 'functions cannot be stored');
      return original(taskId, meta, options);
    };
    const result = await returnsFunction.delay();
    await tq.runUntilIdle();
    expect(runs).toBe(1);
    expect(await result.state()).toBe(States.FAILURE);
    expect(await result.result()).toMatchObject({ exc_type: 'TqError' });
    await tq.close();
  });
});
