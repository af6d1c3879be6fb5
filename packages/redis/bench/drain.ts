/**
 * Transport-level throughput on a real Redis (no worker, no task decoding): how fast one process drains a queue
 * with a given prefetch (messages fetched per round trip, acks batched), against one fetch per message.
 *
 *   node --import tsx --conditions=@tq/source packages/redis/bench/drain.ts [N] [prefetch,...]
 *
 * Uses DB 0 under a unique key prefix and deletes it afterwards. Prints one JSON line per run.
 */
import { randomUUID } from 'node:crypto';
import { encodeTaskMessage, jsonSerializer } from '@tq/core';
import { Redis } from 'ioredis';
import { RedisTransport } from '../src/index.js';

const url = process.env.TQ_REDIS_URL ?? 'redis://127.0.0.1:6379/0';
const n = Number(process.argv[2] ?? 50_000);
const prefetches = (process.argv[3] ?? '1,10,100,1000').split(',').map(Number);
const prefix = `tqbench.redis-drain.${randomUUID().slice(0, 8)}.`;
const queue = 'drain';

// A typical Celery task message: protocol 2 headers, a small JSON body.
const message = encodeTaskMessage({ id: randomUUID(), task: 'tasks.add', args: [1, 2], kwargs: { note: 'x'.repeat(40) } }, { serializer: jsonSerializer });

async function fill(transport: RedisTransport, count: number): Promise<number> {
  const started = performance.now();
  for (let sent = 0; sent < count; sent += 1000) {
    const batch = Array.from({ length: Math.min(1000, count - sent) }, () => ({ message, options: { queue } }));
    await transport.publishBatch(batch);
  }
  return count / ((performance.now() - started) / 1000);
}

async function drain(transport: RedisTransport, count: number, prefetch: number): Promise<number> {
  const abort = new AbortController();
  let seen = 0;
  const started = performance.now();
  for await (const delivery of transport.consume([queue], { prefetch, signal: abort.signal })) {
    void delivery.ack();
    if (++seen === count) abort.abort();
  }
  return count / ((performance.now() - started) / 1000);
}

/** Microseconds Redis spent in these commands so far (INFO commandstats; other clients' calls count too). */
async function redisUsec(commands: string[]): Promise<number> {
  const info = await client.info('commandstats');
  let total = 0;
  for (const command of commands) {
    const match = new RegExp(`cmdstat_${command}:calls=\\d+,usec=(\\d+)`).exec(info);
    total += match ? Number(match[1]) : 0;
  }
  return total;
}

const client = new Redis(url);
try {
  for (const prefetch of prefetches) {
    const transport = new RedisTransport({ url, keyPrefix: prefix, fetchBatchSize: Math.max(prefetch, 1) });
    // One message per round trip is slow: drain fewer so the run stays short.
    const count = prefetch === 1 ? Math.min(n, 10_000) : n;
    const publishRate = await fill(transport, count);
    const before = await redisUsec(['evalsha', 'eval', 'zrem', 'hdel']);
    const drainRate = await drain(transport, count, prefetch);
    const redisUsecPerMessage = ((await redisUsec(['evalsha', 'eval', 'zrem', 'hdel'])) - before) / count;
    const left = await transport.size(queue);
    const unacked = await client.hlen(`${prefix}unacked`);
    await transport.close();
    console.log(JSON.stringify({ n: count, prefetch, publishPerSec: Math.round(publishRate), drainPerSec: Math.round(drainRate), redisUsecPerMessage: Number(redisUsecPerMessage.toFixed(2)), left, unacked }));
  }
} finally {
  const keys = await client.keys(`${prefix}*`);
  if (keys.length > 0) await client.del(...keys);
  client.disconnect();
}
