import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ErrorCodes, jsonSerializer, TqError } from '@tq/core';
import { RedisResultBackend } from '../src/index.js';
import { isPlainJson } from '../src/plain-json.js';
import { redisUp } from './helpers.js';
import { PrivateRedis } from './private-redis.js';

/** Stores made while one is on the wire go out together, as one script run per batch (src/script-batcher.ts). */
describe.skipIf(!redisUp)('result stores sharing pipelines', () => {
  let server: PrivateRedis;
  let url: string;
  beforeAll(async () => {
    server = await PrivateRedis.start();
    url = server.url;
  });
  afterAll(async () => {
    await server?.stop();
  });

  const meta = (id: string, result: unknown) => ({ status: 'SUCCESS', result, traceback: null, children: [], date_done: null, task_id: id });

  test('many concurrent stores each land under their own key with their own value', async () => {
    const backend = new RedisResultBackend({ url });
    const ids = Array.from({ length: 500 }, (_, i) => `batch-${i}`);
    await Promise.all(ids.map((id, i) => backend.store(id, meta(id, i))));
    const read = await Promise.all(ids.map((id) => backend.get(id)));
    expect(read.map((stored) => stored?.result)).toEqual(ids.map((_, i) => i));
    await backend.close();
  });

  test('after SCRIPT FLUSH (private server), stores of a shared pipeline fall back to EVAL one by one and land', async () => {
    const backend = new RedisResultBackend({ url });
    await backend.store('warm', meta('warm', 0));
    const admin = new Redis(url);
    await admin.script('FLUSH');
    const ids = Array.from({ length: 50 }, (_, i) => `after-flush-${i}`);
    await Promise.all(ids.map((id, i) => backend.store(id, meta(id, i))));
    const read = await Promise.all(ids.map((id) => backend.get(id)));
    expect(read.map((stored) => stored?.result)).toEqual(ids.map((_, i) => i));
    admin.disconnect();
    await backend.close();
  });

  test('a key of the wrong type in a batch fails only its own store (TQ_WRONG_TYPE); the others land', async () => {
    const backend = new RedisResultBackend({ url });
    const admin = new Redis(url);
    await admin.lpush('celery-task-meta-wrong-type', 'a list, not a string');
    const ids = ['ok-before', 'wrong-type', 'ok-after'];
    const outcomes = await Promise.allSettled(ids.map((id, i) => backend.store(id, meta(id, i))));
    expect(outcomes.map((outcome) => outcome.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    const refused = (outcomes[1] as PromiseRejectedResult).reason;
    expect(TqError.is(refused, ErrorCodes.WRONG_TYPE), String(refused)).toBe(true);
    expect((await backend.get('ok-before'))?.result).toBe(0);
    expect((await backend.get('ok-after'))?.result).toBe(2);
    admin.disconnect();
    await backend.close();
  });
});

describe('the plain-JSON fast path for result metas', () => {
  const text = (bytes: Uint8Array) => new TextDecoder().decode(bytes);
  test('values it takes encode byte for byte as the JSON serializer encodes them', () => {
    const values: unknown[] = [
      { status: 'SUCCESS', result: [1, -0, 1.5, Number.NaN, Number.POSITIVE_INFINITY], traceback: null, children: [] },
      { text: 'héllo \u2028 \ud800 lone surrogate', nested: { deep: [{ a: undefined, b: null }] }, list: [undefined] },
      Object.assign(Object.create(null), { bare: true }),
    ];
    for (const value of values) {
      expect(isPlainJson(value)).toBe(true);
      expect(JSON.stringify(value)).toBe(text(jsonSerializer.encode(value)));
    }
  });

  test('dates, bytes, maps, sets, bigints and class instances are left to the serializer', () => {
    class Point {
      x = 1;
    }
    for (const value of [new Date(0), new Uint8Array(2), new Map(), new Set(), 10n, new Point(), { inner: [new Date(0)] }]) {
      expect(isPlainJson(value)).toBe(false);
    }
  });
});
