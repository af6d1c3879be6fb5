import type { Delivery } from '@tq/core';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { RedisResultBackend, RedisTransport } from '../src/index.js';
import { message, redisUp, sleep, take, text, waitUntil } from './helpers.js';
import { PrivateRedis } from './private-redis.js';

describe.skipIf(!redisUp)('reconnecting (private redis-server, restarted under running consumers)', () => {
  let server: PrivateRedis;
  beforeAll(async () => {
    server = await PrivateRedis.start({ persistent: true });
  });
  afterAll(async () => {
    await server?.stop();
  });

  function inspect(): Redis {
    const client = new Redis(server.url, { maxRetriesPerRequest: 1 });
    client.on('error', () => {});
    return client;
  }

  test('a consumer waiting on an empty queue resumes by itself after Redis restarts', async () => {
    const transport = new RedisTransport({ url: server.url, idleWaitMs: 60_000, onError: () => {} });
    try {
      const iterator = transport.consume(['restart-idle'])[Symbol.asyncIterator]();
      await transport.publish(message('before'), { queue: 'restart-idle' });
      const [first] = await take(iterator, 1);
      await first!.ack();
      const waiting = iterator.next();
      await sleep(300);
      await server.restart(500);
      const producer = new RedisTransport({ url: server.url });
      await producer.publish(message('after'), { queue: 'restart-idle' });
      await producer.close();
      const { value } = await Promise.race([waiting, sleep(15_000).then(() => ({ value: undefined }))]);
      expect(value && text(value)).toBe('after');
      await value!.ack();
      await iterator.return?.();
    } finally {
      await transport.close();
    }
  }, 30_000);

  test('an ack made while Redis is down reaches it once it is back', async () => {
    const transport = new RedisTransport({ url: server.url, onError: () => {} });
    const client = inspect();
    try {
      await transport.publish(message('ack-late'), { queue: 'restart-ack' });
      const [held] = await take(transport.consume(['restart-ack'])[Symbol.asyncIterator](), 1);
      await server.down();
      const acked = held!.ack();
      await sleep(500);
      await server.up();
      await Promise.race([acked, sleep(15_000).then(() => Promise.reject(new Error('the ack did not complete after the restart')))]);
      expect(await client.hlen('unacked')).toBe(0);
      expect(await client.zcard('unacked_index')).toBe(0);
    } finally {
      client.disconnect();
      await transport.close();
    }
  }, 30_000);

  test('killing every client connection (blocking ones included) does not stop consumption', async () => {
    const transport = new RedisTransport({ url: server.url, idleWaitMs: 60_000, onError: () => {} });
    const client = inspect();
    try {
      const iterator = transport.consume(['killed'])[Symbol.asyncIterator]();
      const waiting = iterator.next();
      await sleep(300);
      const killed = Number(await client.call('CLIENT', 'KILL', 'TYPE', 'normal', 'SKIPME', 'yes'));
      expect(killed).toBeGreaterThanOrEqual(2);
      await sleep(300);
      await client.lpush('killed\x06\x169', JSON.stringify({
        body: Buffer.from('after the kill').toString('base64'),
        'content-encoding': 'utf-8',
        'content-type': 'text/plain',
        headers: {},
        properties: { delivery_tag: 'k1', body_encoding: 'base64', delivery_info: { exchange: '', routing_key: 'killed' }, priority: 9 },
      }));
      const { value } = await Promise.race([waiting, sleep(15_000).then(() => ({ value: undefined }))]);
      expect(value && text(value)).toBe('after the kill');
      await value!.ack();
      await iterator.return?.();
    } finally {
      client.disconnect();
      await transport.close();
    }
  }, 30_000);

  test('a busy consumer loses nothing across a restart: every message is consumed', async () => {
    const count = 3000;
    const producer = new RedisTransport({ url: server.url });
    const consumer = new RedisTransport({ url: server.url, onError: () => {} });
    try {
      await producer.publishBatch(Array.from({ length: count }, (_, i) => ({ message: message(`m${i}`), options: { queue: 'busy' } })));
      const seen = new Set<string>();
      const abort = new AbortController();
      const loop = (async () => {
        for await (const delivery of consumer.consume(['busy'], { prefetch: 50, signal: abort.signal }) as AsyncIterable<Delivery>) {
          seen.add(text(delivery));
          await sleep(0);
          delivery.ack().catch(() => {});
          if (seen.size === count) abort.abort();
        }
      })();
      await waitUntil('the consumer got going', () => seen.size > 200, 10_000);
      await server.restart(300);
      await waitUntil(`all ${count} messages consumed (seen ${seen.size})`, () => seen.size === count, 30_000);
      abort.abort();
      await loop;
    } finally {
      await producer.close();
      await consumer.close();
    }
  }, 60_000);

  test('waitFor on the result backend survives a restart (resubscribes and reads what it missed)', async () => {
    const waiter = new RedisResultBackend({ url: server.url });
    const writer = new RedisResultBackend({ url: server.url });
    try {
      const pending = waiter.waitFor('t-restart', { timeoutMs: 20_000 });
      await sleep(300);
      await server.down();
      await sleep(300);
      await server.up();
      await writer.store('t-restart', { status: 'SUCCESS', result: 'survived', traceback: null, children: [], date_done: null, task_id: 't-restart' });
      await expect(pending).resolves.toMatchObject({ status: 'SUCCESS', result: 'survived' });
      expect(waiter.pendingWaits).toBe(0);
    } finally {
      await waiter.close();
      await writer.close();
    }
  }, 30_000);
});
