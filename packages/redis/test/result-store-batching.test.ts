import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { RedisResultBackend } from '../src/index.js';
import { redisUp } from './helpers.js';
import { PrivateRedis } from './private-redis.js';

/** Stores made while one is on the wire share a pipeline of EVALSHAs (src/script-batcher.ts). */
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
});
