import { randomUUID } from 'node:crypto';
import { createApp, createWorker, decodeTaskMessage, defaultCompressors, defaultSerializers, encodeTaskMessage, jsonSerializer, type Worker } from '@tq/core';
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import { createRpcResultBackend, type RpcResultBackend } from '../src/index.js';
import { celerySend, celeryWorker, hasCelery, redisResult } from './celery.js';
import { AMQP_URL, Fixture, rabbitUp, take, uniqueName, waitFor } from './helpers.js';

const redisUp = await (await import('../../../tooling/test-support/services.js')).serviceAvailable('redis', '127.0.0.1', 6379);
const fx = new Fixture();
const decodeOptions = { serializers: defaultSerializers(), compressors: defaultCompressors(), accept: ['json'] };

afterEach(() => fx.cleanup());

describe.skipIf(!rabbitUp || !hasCelery)('Celery 5.2 client -> tq over AMQP', () => {
  test('a message sent by app.send_task arrives with Celery headers and properties, native on the wire', async () => {
    const t = fx.transport();
    const queue = fx.queue('from-celery');
    const sent = await celerySend(AMQP_URL, 'none', queue, 'tq.add', [2, 3], { kwargs: { z: 1 }, expires: 60, priority: 3 });
    const iterator = t.consume([queue])[Symbol.asyncIterator]();
    const [delivery] = await take(iterator, 1, 10_000);
    const message = delivery!.message;
    expect(message.contentType).toBe('application/json');
    expect(message.contentEncoding).toBe('utf-8');
    expect(message.properties).toMatchObject({
      correlationId: sent.id,
      deliveryMode: 2,
      priority: 3,
      expiration: '60000',
      deliveryInfo: { exchange: '', routingKey: queue },
    });
    expect(message.properties.replyTo).toMatch(/^[0-9a-f-]{36}$/);
    expect(message.headers).toMatchObject({
      lang: 'py',
      task: 'tq.add',
      id: sent.id,
      root_id: sent.id,
      parent_id: null,
      group: null,
      retries: 0,
      eta: null,
      timelimit: [null, null],
      argsrepr: '[2, 3]',
      kwargsrepr: "{'z': 1}",
    });
    expect(message.headers.expires).toMatch(/^\d{4}-\d\d-\d\dT/);
    const decoded = decodeTaskMessage(message, decodeOptions);
    expect(decoded).toMatchObject({ id: sent.id, task: 'tq.add', args: [2, 3], kwargs: { z: 1 }, replyTo: message.properties.replyTo });
    await delivery!.ack();
    await iterator.return!();
  }, 60_000);
});

describe.skipIf(!rabbitUp || !hasCelery)('tq -> Celery 5.2 worker over AMQP', () => {
  const rpcQueue = uniqueName('celery-rpc-worker');
  const redisQueue = uniqueName('celery-redis-worker');
  const workers: ReturnType<typeof celeryWorker>[] = [];
  let client: RpcResultBackend;

  beforeAll(async () => {
    workers.push(celeryWorker(AMQP_URL, 'rpc://', rpcQueue, `${rpcQueue}@tq`));
    if (redisUp) workers.push(celeryWorker(AMQP_URL, 'redis://127.0.0.1:6379/0', redisQueue, `${redisQueue}@tq`));
    client = createRpcResultBackend({ url: AMQP_URL });
    await client.connect();
  }, 60_000);

  afterAll(async () => {
    await Promise.all(workers.map((worker) => worker.stop()));
    await client?.close();
    const cleanup = new Fixture();
    for (const queue of [rpcQueue, redisQueue]) cleanup.adopt(queue);
    await cleanup.cleanup();
  }, 60_000);

  test('a message tq encodes and publishes is run by the Celery worker; the result comes back over rpc://', async () => {
    const t = fx.transport();
    await t.declareQueue({ name: rpcQueue });
    const id = randomUUID();
    const message = encodeTaskMessage(
      { id, task: 'proj.echo', args: [1, 'two'], kwargs: { three: [3] }, replyTo: client.replyTo, timelimit: [60, 30], headers: { x_custom: 'v' } },
      { serializer: jsonSerializer },
    );
    await t.publish(message, { queue: rpcQueue });
    const result = await client.waitFor(id, { timeoutMs: 40_000 });
    expect(result.status).toBe('SUCCESS');
    expect(result.result).toMatchObject({
      args: [1, 'two'],
      kwargs: { three: [3] },
      request: { id, correlation_id: id, reply_to: client.replyTo, timelimit: [60, 30], custom: 'v', delivery_info: { routing_key: rpcQueue } },
    });
  }, 60_000);

  test('a message tq publishes with delayMs is run by the Celery worker once due (broker-side delay)', async () => {
    const t = fx.transport();
    await t.declareQueue({ name: rpcQueue });
    const id = randomUUID();
    const sentAt = Date.now();
    const message = encodeTaskMessage({ id, task: 'proj.add', args: [20, 22], replyTo: client.replyTo, eta: new Date(sentAt + 1500).toISOString() }, { serializer: jsonSerializer });
    await t.publish(message, { queue: rpcQueue, delayMs: 1500 });
    const result = await client.waitFor(id, { timeoutMs: 40_000 });
    expect(result).toMatchObject({ status: 'SUCCESS', result: 42 });
    expect(Date.now() - sentAt).toBeGreaterThanOrEqual(1500);
  }, 60_000);

  test.skipIf(!redisUp)('the result of a tq-published task is in the Redis backend (celery-task-meta-<id>)', async () => {
    const t = fx.transport();
    await t.declareQueue({ name: redisQueue });
    const id = randomUUID();
    await t.publish(encodeTaskMessage({ id, task: 'proj.add', args: [4, 5] }, { serializer: jsonSerializer }), { queue: redisQueue });
    let meta: Record<string, unknown> | null = null;
    await waitFor(
      async () => {
        meta = await redisResult(id);
        return meta !== null;
      },
      40_000,
      'the result in Redis',
    );
    expect(meta).toMatchObject({ status: 'SUCCESS', result: 9, task_id: id });
  }, 60_000);

  test('tq app.sendTask -> Celery worker -> result read by the tq app over rpc://', async () => {
    const app = createApp({ name: 'tq-client', broker: fx.transport(), backend: client, defaultQueue: rpcQueue });
    const pending = app.sendTask('proj.add', [1, 2]);
    expect(await pending.get({ timeout: 40 })).toBe(3);
  }, 60_000);
});

describe.skipIf(!rabbitUp || !hasCelery)('Celery 5.2 client -> tq worker over AMQP (full app)', () => {
  let worker: Worker;
  const queue = uniqueName('tq-worker');
  // Lives for the whole group (fx is cleaned after every test).
  const own = new Fixture();

  beforeAll(async () => {
    const transport = own.transport({ connectionName: `${queue}-worker` });
    const backend = createRpcResultBackend({ transport });
    const app = createApp({ name: 'tq-worker', broker: transport, backend, defaultQueue: queue });
    app.task('proj.mul', (x: number, y: number) => x * y);
    app.task('proj.fail', () => {
      throw new TypeError('tq says no');
    });
    worker = createWorker({ app, queues: [queue], concurrency: 4 });
    await worker.start();
  }, 30_000);

  afterAll(async () => {
    await worker?.close();
    own.adopt(queue);
    await own.cleanup();
  }, 30_000);

  test('send_task from Python runs on the tq worker; Python reads the result over rpc://', async () => {
    const sent = await celerySend(AMQP_URL, 'rpc://', queue, 'proj.mul', [6, 7], { wait: 30 });
    expect(sent).toMatchObject({ result: 42, state: 'SUCCESS' });
  }, 60_000);

  test('a countdown from Python goes back to the broker (delay levels) and runs when due', async () => {
    const started = Date.now();
    const sent = await celerySend(AMQP_URL, 'rpc://', queue, 'proj.mul', [3, 5], { countdown: 4, wait: 40 });
    expect(sent).toMatchObject({ result: 15, state: 'SUCCESS' });
    expect(Date.now() - started).toBeGreaterThanOrEqual(4000);
  }, 60_000);

  test('a failing tq task reaches Python as a FAILURE it can raise', async () => {
    const error = await celerySend(AMQP_URL, 'rpc://', queue, 'proj.fail', [], { wait: 30 }).catch((e: Error) => e);
    expect(String((error as { stderr?: string }).stderr ?? error)).toMatch(/tq says no/);
  }, 60_000);
});
