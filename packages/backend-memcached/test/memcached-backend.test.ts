import { ErrorCodes, TqError } from '@tq/core';
import { afterEach, describe, expect, test } from 'vitest';
import { Backends, memcachedUp, meta, rawClient } from './helpers.js';

const backends = new Backends();
afterEach(() => backends.closeAll());

async function codeOf(promise: Promise<unknown>): Promise<string | undefined> {
  try {
    await promise;
  } catch (error) {
    expect(TqError.is(error)).toBe(true);
    return (error as TqError).code;
  }
  return undefined;
}

describe.skipIf(!memcachedUp)('memcached backend: Celery’s keys and values', () => {
  test('a result lives at <prefix>celery-task-meta-<id> as JSON text flagged like python-memcached’s str', async () => {
    const backend = backends.create();
    const client = rawClient();
    try {
      await backend.store('t-raw', meta('t-raw', 'SUCCESS', { answer: 42 }));
      const { value, flags } = await client.get(`${backends.prefix}celery-task-meta-t-raw`);
      expect(JSON.parse(value!.toString('utf8'))).toMatchObject({
        status: 'SUCCESS',
        result: { answer: 42 },
        task_id: 't-raw',
      });
      expect(flags!.readUInt32BE(0)).toBe(16);
      await backend.forget('t-raw');
      expect((await client.get(`${backends.prefix}celery-task-meta-t-raw`)).value).toBeNull();
    } finally {
      client.close();
    }
  });

  test('a result Celery stored (JSON, flagged str) reads back', async () => {
    const backend = backends.create();
    const client = rawClient();
    try {
      const celeryJson =
        '{"status": "SUCCESS", "result": [1, 2], "traceback": null, "children": [], "date_done": "2024-01-01T12:00:00.531029", "task_id": "t-py"}';
      await client.set(`${backends.prefix}celery-task-meta-t-py`, celeryJson, { expires: 60 });
      expect(await backend.get('t-py')).toEqual({
        status: 'SUCCESS',
        result: [1, 2],
        traceback: null,
        children: [],
        date_done: '2024-01-01T12:00:00.531029',
        task_id: 't-py',
      });
      await backend.forget('t-py');
    } finally {
      client.close();
    }
  });

  test('a value that is not the serializer’s format is TQ_DECODE, a pickled one is refused', async () => {
    const backend = backends.create();
    const client = rawClient();
    try {
      await client.set(`${backends.prefix}celery-task-meta-t-bad`, 'not json {', { expires: 60 });
      expect(await codeOf(backend.get('t-bad'))).toBe(ErrorCodes.DECODE);
      await backend.forget('t-bad');
    } finally {
      client.close();
    }
  });

  test('key prefixes keep backends apart', async () => {
    const a = backends.create();
    const b = backends.create({ keyPrefix: `${backends.prefix}other.` });
    await a.store('same-id', meta('same-id', 'SUCCESS', 'a'));
    expect(await b.get('same-id')).toBeUndefined();
    await a.forget('same-id');
  });

  test('ids memcached cannot use as keys are refused with TQ_INVALID_CONFIG, not sent', async () => {
    const backend = backends.create();
    expect(await codeOf(backend.get('has space'))).toBe(ErrorCodes.INVALID_CONFIG);
    expect(await codeOf(backend.get('x'.repeat(300)))).toBe(ErrorCodes.INVALID_CONFIG);
    expect(await codeOf(backend.get(''))).toBe(ErrorCodes.INVALID_CONFIG);
  });
});

describe.skipIf(!memcachedUp)('memcached backend: never overwriting SUCCESS under races', () => {
  test('a SUCCESS racing many other states always ends as the SUCCESS (CAS, not read-then-write)', async () => {
    const writers = [backends.create(), backends.create(), backends.create()];
    for (let round = 0; round < 10; round++) {
      const id = `race-${round}`;
      await writers[0]!.store(id, meta(id, 'STARTED', null));
      const states = [
        'RETRY',
        'FAILURE',
        'STARTED',
        'PROGRESS',
        'FAILURE',
        'SUCCESS',
        'RETRY',
        'FAILURE',
        'STARTED',
        'FAILURE',
      ];
      await Promise.all(
        states.map((state, i) => writers[i % writers.length]!.store(id, meta(id, state, `${state}-${i}`))),
      );
      const final = await writers[1]!.get(id);
      expect(final?.status).toBe('SUCCESS');
      expect(final?.result).toBe('SUCCESS-5');
      await writers[0]!.forget(id);
    }
  });
});

describe.skipIf(!memcachedUp)('memcached backend: expiry', () => {
  test('ttlMs expires a result (memcached counts whole seconds)', async () => {
    const backend = backends.create();
    await backend.store('ttl-short', meta('ttl-short', 'SUCCESS', 1), { ttlMs: 1000 });
    expect((await backend.get('ttl-short'))?.result).toBe(1);
    await new Promise((resolve) => setTimeout(resolve, 2200));
    expect(await backend.get('ttl-short')).toBeUndefined();
  });

  test('a TTL over 30 days is sent as an absolute time, so the value is kept rather than dropped at once', async () => {
    const backend = backends.create();
    await backend.store('ttl-long', meta('ttl-long', 'SUCCESS', 'kept'), { ttlMs: 45 * 86_400_000 });
    await new Promise((resolve) => setTimeout(resolve, 1100));
    expect((await backend.get('ttl-long'))?.result).toBe('kept');
    await backend.forget('ttl-long');
  });

  test('the backend’s expiresMs applies when a call gives no ttlMs', async () => {
    const backend = backends.create({ expiresMs: 1000 });
    await backend.store('ttl-default', meta('ttl-default', 'SUCCESS', 1));
    await new Promise((resolve) => setTimeout(resolve, 2200));
    expect(await backend.get('ttl-default')).toBeUndefined();
  });
});

describe.skipIf(!memcachedUp)('memcached backend: values too large', () => {
  const big = 'x'.repeat(1_100_000);

  test('by default (the contract): TQ_MESSAGE_TOO_LARGE and nothing stored', async () => {
    const backend = backends.create();
    const error = await backend.store('big-refused', meta('big-refused', 'SUCCESS', big)).catch((caught) => caught);
    expect(TqError.is(error, ErrorCodes.MESSAGE_TOO_LARGE)).toBe(true);
    expect(error.details).toMatchObject({ taskId: 'big-refused', maxValueBytes: 1_048_000 });
    expect(await backend.get('big-refused')).toBeUndefined();
  });

  test('with onTooLarge: store-failure, a FAILURE naming the reason takes its place (Celery’s BackendStoreError)', async () => {
    const backend = backends.create({ onTooLarge: 'store-failure' });
    await backend.store('big-failure', meta('big-failure', 'SUCCESS', big));
    const stored = await backend.get('big-failure');
    expect(stored).toMatchObject({
      status: 'FAILURE',
      task_id: 'big-failure',
      result: { exc_type: 'BackendStoreError', exc_module: 'celery.exceptions' },
    });
    expect((stored!.result as { exc_message: string[] }).exc_message[0]).toMatch(
      /state SUCCESS.*more than memcached's limit of 1048000 bytes/,
    );
    await backend.forget('big-failure');
  });

  test('the server’s own item limit counts too: a value it refuses is handled the same way', async () => {
    const backend = backends.create({ maxValueBytes: 8 * 1024 * 1024, onTooLarge: 'store-failure' });
    const refusing = backends.create({ maxValueBytes: 8 * 1024 * 1024 });
    expect(await codeOf(refusing.store('big-server', meta('big-server', 'SUCCESS', big)))).toBe(
      ErrorCodes.MESSAGE_TOO_LARGE,
    );
    expect(await refusing.get('big-server')).toBeUndefined();
    await backend.store('big-server', meta('big-server', 'SUCCESS', big));
    expect((await backend.get('big-server'))?.status).toBe('FAILURE');
    await backend.forget('big-server');
  });

  test('a group too large is refused with TQ_MESSAGE_TOO_LARGE', async () => {
    const backend = backends.create();
    const result = [
      ['g', null],
      Array.from({ length: 30_000 }, (_, i) => [[`child-${i}-${'p'.repeat(20)}`, null], null]),
    ];
    expect(await codeOf(backend.saveGroup('g-big', { group_id: 'g-big', result }))).toBe(ErrorCodes.MESSAGE_TOO_LARGE);
  });
});

describe.skipIf(!memcachedUp)('memcached backend: waitFor polls with backoff', () => {
  test('resolves once a ready state lands, through another instance', async () => {
    const waiter = backends.create({ pollMinMs: 10, pollMaxMs: 50 });
    const writer = backends.create();
    const waiting = waiter.waitFor('w1', { timeoutMs: 5000 });
    await new Promise((resolve) => setTimeout(resolve, 150));
    await writer.store('w1', meta('w1', 'STARTED', null));
    await new Promise((resolve) => setTimeout(resolve, 100));
    await writer.store('w1', meta('w1', 'SUCCESS', 'done'));
    expect((await waiting).result).toBe('done');
    await writer.forget('w1');
  });

  test('timeout, abort and close end the wait with TQ_TIMEOUT, TQ_ABORTED and TQ_CLOSED', async () => {
    const backend = backends.create();
    expect(await codeOf(backend.waitFor('never', { timeoutMs: 200 }))).toBe(ErrorCodes.TIMEOUT);
    const abort = new AbortController();
    const aborted = backend.waitFor('never', { signal: abort.signal });
    setTimeout(() => abort.abort(), 100);
    expect(await codeOf(aborted)).toBe(ErrorCodes.ABORTED);
    const closing = backend.waitFor('never');
    setTimeout(() => void backend.close(), 100);
    expect(await codeOf(closing)).toBe(ErrorCodes.CLOSED);
  });
});

describe.skipIf(!memcachedUp)('memcached backend: groups', () => {
  test('a group is stored as Celery stores it ({"result": tuple}) and reads back', async () => {
    const backend = backends.create();
    const client = rawClient();
    try {
      const result = [
        ['g1', null],
        [
          [['c1', null], null],
          [['c2', null], null],
        ],
      ];
      await backend.saveGroup('g1', { group_id: 'g1', result });
      const raw = await client.get(`${backends.prefix}celery-taskset-meta-g1`);
      expect(JSON.parse(raw.value!.toString())).toEqual({ result });
      expect(await backend.getGroup('g1')).toEqual({ group_id: 'g1', result, date_done: null });
      await backend.forgetGroup('g1');
      expect(await backend.getGroup('g1')).toBeUndefined();
    } finally {
      client.close();
    }
  });
});

describe('memcached backend: connection failures', () => {
  test('an unreachable server is TQ_CONNECTION_LOST (retryable), from connect() and from any call', async () => {
    const backend = backends.create({ url: 'memcached://127.0.0.1:1', timeoutMs: 500, retries: 1 });
    const error = await backend.connect().catch((caught) => caught);
    expect(TqError.is(error, ErrorCodes.CONNECTION_LOST)).toBe(true);
    expect(error.retryable).toBe(true);
    expect(await codeOf(backend.get('x'))).toBe(ErrorCodes.CONNECTION_LOST);
  });

  test('after close, calls fail with TQ_CLOSED; close is idempotent', async () => {
    const backend = backends.create();
    await backend.close();
    await backend.close();
    expect(await codeOf(backend.get('x'))).toBe(ErrorCodes.CLOSED);
    expect(await codeOf(backend.store('x', meta('x', 'SUCCESS', 1)))).toBe(ErrorCodes.CLOSED);
  });
});
