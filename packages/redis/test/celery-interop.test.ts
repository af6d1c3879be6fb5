import { randomUUID } from 'node:crypto';
import { decodeTaskMessage, defaultCompressors, defaultSerializers, encodeTaskMessage, jsonSerializer } from '@tq/core';
import { afterAll, describe, expect, test } from 'vitest';
import { RedisResultBackend, RedisTransport } from '../src/index.js';
import { dropPrefix, rawClient, REDIS_URL, redisUp, sleep, take, uniqueName, uniquePrefix } from './helpers.js';
import { celeryAvailable, type PythonEnv, python, spawnPython, startCeleryWorker } from './python-harness.js';

const decodeOptions = { serializers: defaultSerializers(), compressors: defaultCompressors(), accept: ['json'] };
const prefixes: string[] = [];
const resultKeys: string[] = [];

/** A queue and key prefix of its own for one test; everything under the prefix is deleted afterwards. */
function scenario(label: string): PythonEnv {
  const prefix = uniquePrefix(label);
  prefixes.push(prefix);
  return { broker: REDIS_URL, prefix, queue: uniqueName(`${label}-q`) };
}

afterAll(async () => {
  if (!redisUp || !celeryAvailable) return;
  const client = rawClient();
  for (const prefix of prefixes) await dropPrefix(client, prefix);
  // Celery 5.2's result backend has no key prefix: its keys are removed one by one.
  if (resultKeys.length > 0) await client.del(...resultKeys);
  client.disconnect();
});

describe.skipIf(!redisUp || !celeryAvailable)('interop with Python Celery 5.2 (kombu 5.2.4)', () => {
  test('a task sent by Celery send_task is consumed and decoded; Celery priority 5 is tq priority 4', async () => {
    const env = scenario('celery-send');
    const id = await python(env, 'send_task.py', ['tasks.add', '[1, 2]', '5']);
    const transport = new RedisTransport({ url: REDIS_URL, keyPrefix: env.prefix });
    try {
      const [delivery] = await take(transport.consume([env.queue])[Symbol.asyncIterator](), 1, 10_000);
      const task = decodeTaskMessage(delivery!.message, decodeOptions);
      expect(task).toMatchObject({ protocol: 2, id, task: 'tasks.add', args: [1, 2], kwargs: {}, rootId: id });
      expect(delivery!.message.properties.correlationId).toBe(id);
      expect(delivery!.message.properties.priority).toBe(4);
      expect(delivery!.message.properties.deliveryInfo).toMatchObject({ exchange: '', routingKey: env.queue, redelivered: false });
      expect(delivery!.redelivered).toBe(false);
      await delivery!.ack();
      const client = rawClient();
      expect(await client.hlen(`${env.prefix}unacked`)).toBe(0);
      expect(await client.zcard(`${env.prefix}unacked_index`)).toBe(0);
      client.disconnect();
    } finally {
      await transport.close();
    }
  });

  test('Celery priorities keep their meaning: 0 first, 9 last, and tq sees them as 9 and 0', async () => {
    const env = scenario('celery-priority');
    for (const priority of ['9', '0', '5']) await python(env, 'send_task.py', ['tasks.echo', `[${priority}]`, priority]);
    const transport = new RedisTransport({ url: REDIS_URL, keyPrefix: env.prefix });
    try {
      const iterator = transport.consume([env.queue], { prefetch: 3 })[Symbol.asyncIterator]();
      const deliveries = await take(iterator, 3, 10_000);
      const order = deliveries.map((delivery) => decodeTaskMessage(delivery.message, decodeOptions).args[0]);
      expect(order).toEqual([0, 5, 9]);
      expect(deliveries.map((delivery) => delivery.message.properties.priority)).toEqual([9, 4, 0]);
      for (const delivery of deliveries) await delivery.ack();
    } finally {
      await transport.close();
    }
  });

  test('a message published by tq runs on a Celery worker; its result is read through the tq backend', async () => {
    const env = scenario('celery-worker');
    const transport = new RedisTransport({ url: REDIS_URL, keyPrefix: env.prefix });
    const backend = new RedisResultBackend({ url: REDIS_URL });
    const id = randomUUID();
    resultKeys.push(backend.taskKey(id));
    const worker = await startCeleryWorker(env, uniqueName('celery-w'));
    try {
      await transport.publish(encodeTaskMessage({ id, task: 'tasks.add', args: [20, 22] }, { serializer: jsonSerializer }), { queue: env.queue });
      const meta = await backend.waitFor(id, { timeoutMs: 20_000 });
      expect(meta).toMatchObject({ status: 'SUCCESS', result: 42, task_id: id });
      expect(backend.pendingWaits).toBe(0);
    } finally {
      await worker.stop();
      await transport.close();
      await backend.close();
    }
  }, 60_000);

  test('a failing task on a Celery worker is read as FAILURE with Celery’s exception encoding', async () => {
    const env = scenario('celery-fail');
    const transport = new RedisTransport({ url: REDIS_URL, keyPrefix: env.prefix });
    const backend = new RedisResultBackend({ url: REDIS_URL });
    const id = randomUUID();
    resultKeys.push(backend.taskKey(id));
    const worker = await startCeleryWorker(env, uniqueName('celery-w'));
    try {
      await transport.publish(encodeTaskMessage({ id, task: 'tasks.fail', args: ['boom'] }, { serializer: jsonSerializer }), { queue: env.queue });
      const meta = await backend.waitFor(id, { timeoutMs: 20_000 });
      expect(meta.status).toBe('FAILURE');
      expect(meta.result).toEqual({ exc_type: 'ValueError', exc_message: ['boom'], exc_module: 'builtins' });
      expect(meta.traceback).toContain('ValueError');
    } finally {
      await worker.stop();
      await transport.close();
      await backend.close();
    }
  }, 60_000);

  test('a result stored by the tq backend is read by Celery’s AsyncResult.get (pub/sub and GET)', async () => {
    const env = scenario('celery-get');
    const backend = new RedisResultBackend({ url: REDIS_URL });
    const early = randomUUID();
    const late = randomUUID();
    resultKeys.push(backend.taskKey(early), backend.taskKey(late));
    const meta = (id: string, result: unknown) => ({
      status: 'SUCCESS',
      result,
      traceback: null,
      children: [],
      date_done: new Date().toISOString().replace('Z', ''),
      task_id: id,
    });
    try {
      await backend.store(early, meta(early, { stored: 'before' }));
      expect(JSON.parse(await python(env, 'get_result.py', [early, '10']))).toEqual({ state: 'SUCCESS', result: { stored: 'before' } });
      const waiting = python(env, 'get_result.py', [late, '20']);
      await sleep(1500);
      await backend.store(late, meta(late, [1, 'two']));
      expect(JSON.parse(await waiting)).toEqual({ state: 'SUCCESS', result: [1, 'two'] });
    } finally {
      await backend.close();
    }
  }, 60_000);

  test('kombu restores a message tq left unacked past the visibility timeout, marked redelivered', async () => {
    const env = { ...scenario('kombu-restores'), visibilityTimeout: 1 };
    const transport = new RedisTransport({ url: REDIS_URL, keyPrefix: env.prefix, visibilityTimeoutMs: 1000, renewLeases: false });
    try {
      await transport.publish(encodeTaskMessage({ id: randomUUID(), task: 'tasks.add', args: [1, 1] }, { serializer: jsonSerializer }), {
        queue: env.queue,
      });
      const holder = transport.consume([env.queue])[Symbol.asyncIterator]();
      const first = await take(holder, 1, 10_000);
      expect(first[0]!.redelivered).toBe(false);
      // Stop consuming (keeping the delivery) so only kombu sweeps for expired leases.
      await holder.return?.();
      await sleep(1600);
      expect(await python(env, 'kombu_restore.py')).toBe('restored');
      const client = rawClient();
      // kombu 5.2.4 restores into the queue's first list; newer kombu into the bucket of the message's priority.
      const lists = await Promise.all(['', '\x06\x169'].map((suffix) => client.lrange(`${env.prefix}${env.queue}${suffix}`, 0, -1)));
      client.disconnect();
      const [restored] = lists.flat();
      expect(restored, 'kombu put the message back in the queue').toBeDefined();
      const envelope = JSON.parse(restored!);
      expect(envelope.headers.redelivered).toBe(true);
      expect(envelope.properties.delivery_info.redelivered).toBe(true);
      const again = await take(transport.consume([env.queue])[Symbol.asyncIterator](), 1, 10_000);
      expect(again[0]!.redelivered).toBe(true);
      await again[0]!.ack();
      // The first delivery's lease ran out and its record now belongs to the second fetch: a late ack is harmless.
      await first[0]!.ack();
    } finally {
      await transport.close();
    }
  }, 30_000);

  test('Celery’s remote-control broadcast (pidbox ping) reaches a tq subscriber', async () => {
    const env = scenario('pidbox');
    const transport = new RedisTransport({ url: REDIS_URL, keyPrefix: env.prefix });
    try {
      const iterator = transport.subscribe('celery.pidbox')[Symbol.asyncIterator]();
      const next = iterator.next();
      await sleep(200);
      expect(JSON.parse(await python(env, 'control_ping.py'))).toEqual([]);
      const { value } = await next;
      expect(value).toMatchObject({ exchange: 'celery.pidbox', routingKey: '' });
      const body = JSON.parse(Buffer.from(value!.message.body).toString());
      expect(body).toMatchObject({ method: 'ping', destination: null });
      expect(value!.message.headers).toHaveProperty('clock');
      await iterator.return?.();
    } finally {
      await transport.close();
    }
  }, 30_000);

  test('an event tq broadcasts on celeryev is received by Celery’s event Receiver', async () => {
    const env = scenario('events');
    const transport = new RedisTransport({ url: REDIS_URL, keyPrefix: env.prefix });
    const receiver = spawnPython(env, 'capture_event.py', ['15']);
    try {
      const event = { hostname: 'tq@test', utcoffset: 0, pid: process.pid, clock: 1, freq: 2.0, active: 0, processed: 0, timestamp: Date.now() / 1000, type: 'worker-heartbeat' };
      const deadline = Date.now() + 15_000;
      while (receiver.exitCode === null && Date.now() < deadline) {
        if (receiver.output().includes('listening')) {
          await transport.broadcast('celeryev', 'worker.heartbeat', {
            body: new TextEncoder().encode(JSON.stringify(event)),
            contentType: 'application/json',
            contentEncoding: 'utf-8',
            headers: { hostname: 'tq@test' },
            properties: { deliveryMode: 1 },
          });
        }
        await sleep(200);
      }
      await receiver.exited;
      const lines = receiver.output().trim().split('\n');
      expect(JSON.parse(lines.at(-1)!)).toMatchObject({ type: 'worker-heartbeat', hostname: 'tq@test', clock: 1 });
    } finally {
      if (receiver.exitCode === null) receiver.kill('SIGKILL');
      await transport.close();
    }
  }, 30_000);

  test('tq restores a message a kombu consumer took and died holding', async () => {
    const env = scenario('tq-restores');
    const producer = new RedisTransport({ url: REDIS_URL, keyPrefix: env.prefix });
    const consumer = new RedisTransport({ url: REDIS_URL, keyPrefix: env.prefix, visibilityTimeoutMs: 1000 });
    try {
      const id = randomUUID();
      await producer.publish(encodeTaskMessage({ id, task: 'tasks.add', args: [2, 2] }, { serializer: jsonSerializer }), { queue: env.queue });
      const taken = JSON.parse(await python(env, 'kombu_take.py', [env.queue]));
      expect(typeof taken.tag).toBe('string');
      expect(await producer.size(env.queue)).toBe(0);
      const [delivery] = await take(consumer.consume([env.queue])[Symbol.asyncIterator](), 1, 10_000);
      expect(delivery!.redelivered).toBe(true);
      expect(decodeTaskMessage(delivery!.message, decodeOptions).id).toBe(id);
      await delivery!.ack();
    } finally {
      await producer.close();
      await consumer.close();
    }
  }, 30_000);
});
