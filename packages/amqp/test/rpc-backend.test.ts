import { createApp, createWorker, ErrorCodes, type ResultMeta, TqError } from '@tq/core';
import { afterEach, describe, expect, test } from 'vitest';
import { createRpcResultBackend, type RpcResultBackend } from '../src/index.js';
import { AMQP_URL, Fixture, rabbitUp, uniqueName } from './helpers.js';

const fx = new Fixture();
const backends: RpcResultBackend[] = [];
afterEach(async () => {
  for (const backend of backends.splice(0)) await backend.close();
  await fx.cleanup();
});

function backend(options: Parameters<typeof createRpcResultBackend>[0]) {
  const created = createRpcResultBackend(options);
  backends.push(created);
  return created;
}

const meta = (taskId: string, status: string, result: unknown): ResultMeta => ({
  status,
  result,
  traceback: null,
  children: [],
  date_done: status === 'SUCCESS' ? new Date().toISOString() : null,
  task_id: taskId,
});

describe.skipIf(!rabbitUp)('rpc:// result backend (RabbitMQ)', () => {
  test('a reply it cannot decode fails the wait for that task at once, even when the reply came first', async () => {
    const client = backend({ url: AMQP_URL });
    await client.connect();
    const transport = fx.transport();
    const undecodable = { body: new Uint8Array([0x93, 1, 2]), contentType: 'application/x-unknown', contentEncoding: 'binary', headers: {}, properties: { correlationId: 'early-1' } };
    await transport.publish(undecodable, { queue: client.replyTo });
    const deadline = Date.now() + 5000;
    let error: unknown;
    while (Date.now() < deadline) {
      error = await client.waitFor('early-1', { timeoutMs: 200 }).catch((caught: unknown) => caught);
      if (!TqError.is(error, ErrorCodes.TIMEOUT)) break;
    }
    expect(TqError.is(error, ErrorCodes.UNKNOWN_CONTENT_TYPE), String(error)).toBe(true);
  });

  test('a worker-side store reaches the client that owns the reply queue; waitFor skips non-ready states', async () => {
    const client = backend({ url: AMQP_URL });
    await client.connect();
    const worker = backend({ transport: fx.transport() });
    const replyTo = client.replyTo;
    const waiting = client.waitFor('task-1', { timeoutMs: 10_000 });
    await worker.store('task-1', meta('task-1', 'STARTED', { pid: 1 }), { replyTo, correlationId: 'task-1' });
    await worker.store('task-1', meta('task-1', 'SUCCESS', 42), { replyTo, correlationId: 'task-1' });
    const result = await waiting;
    expect(result).toMatchObject({ status: 'SUCCESS', result: 42, task_id: 'task-1' });
    expect(await client.get('task-1')).toMatchObject({ status: 'SUCCESS' });
  });

  test('results for other task ids are buffered until asked for', async () => {
    const client = backend({ url: AMQP_URL });
    await client.connect();
    const worker = backend({ transport: fx.transport() });
    await worker.store('early', meta('early', 'SUCCESS', 'first'), { replyTo: client.replyTo });
    await worker.store('other', meta('other', 'FAILURE', { exc_type: 'ValueError', exc_message: ['x'], exc_module: 'builtins' }), { replyTo: client.replyTo });
    expect(await client.waitFor('other', { timeoutMs: 5000 })).toMatchObject({ status: 'FAILURE' });
    expect(await client.waitFor('early', { timeoutMs: 5000 })).toMatchObject({ status: 'SUCCESS', result: 'first' });
    await client.forget('early');
    expect(await client.get('early')).toBeUndefined();
  });

  test('tasks sent with delayMany reply over rpc:// to the client that sent them', async () => {
    const queue = fx.queue('many');
    const workerTransport = fx.transport();
    const workerApp = createApp({ name: 'many-worker', broker: workerTransport, backend: backend({ transport: workerTransport }), defaultQueue: queue });
    workerApp.task('t.add', (x: number, y: number) => x + y);
    const worker = createWorker({ app: workerApp, queues: [queue], concurrency: 4 });
    await worker.start();
    try {
      const client = createApp({ name: 'many-client', broker: fx.transport(), backend: backend({ url: AMQP_URL }), defaultQueue: queue });
      const add = client.task('t.add', (x: number, y: number) => x + y);
      const results = await add.delayMany([
        [1, 2],
        [3, 4],
        [5, 6],
      ]);
      expect(await Promise.all(results.map((result) => result.get({ timeout: 15 })))).toEqual([3, 7, 11]);
    } finally {
      await worker.close();
    }
  });

  test('the reply queue is declared as Celery declares it (non-durable, auto-delete, x-expires)', async () => {
    const queue = uniqueName('reply');
    const client = backend({ url: AMQP_URL, replyQueue: queue, expiresMs: 60_000 });
    await client.connect();
    // Declaring it again with Celery's arguments succeeds: same queue, same arguments.
    const { amqplib } = await import('../src/amqplib-loader.js');
    const connection = await amqplib.connect(AMQP_URL);
    const channel = await connection.createChannel();
    await channel.assertQueue(queue, { durable: false, autoDelete: true, arguments: { 'x-expires': 60_000 } });
    await connection.close();
  });

  test('waitFor times out with TQ_TIMEOUT; chords and groups are TQ_NOT_SUPPORTED with Celery\'s explanation', async () => {
    const client = backend({ url: AMQP_URL });
    expect(client.capabilities).toMatchObject({ chords: false, shared: false, push: true, groups: false });
    await expect(client.waitFor('never', { timeoutMs: 200 })).rejects.toMatchObject({ code: ErrorCodes.TIMEOUT });
    const error = await client.chordPartCompleted('g', { taskId: 't', index: 0, state: 'SUCCESS', result: 1 }).catch((e: unknown) => e);
    expect(TqError.is(error, ErrorCodes.NOT_SUPPORTED)).toBe(true);
    expect((error as Error).message).toMatch(/does not support chords/);
    await expect(client.setChordSize('g', 2)).rejects.toMatchObject({ code: ErrorCodes.NOT_SUPPORTED });
    await expect(client.saveGroup('g', { group_id: 'g', result: [] })).rejects.toMatchObject({ code: ErrorCodes.NOT_SUPPORTED });
  });

  test('store without replyTo keeps the result locally; to a vanished client it is TQ_BROKER_REFUSED', async () => {
    const worker = backend({ transport: fx.transport() });
    await worker.store('t', meta('t', 'SUCCESS', 1));
    expect(await worker.get('t')).toMatchObject({ status: 'SUCCESS', result: 1 });
    const error = await worker.store('t', meta('t', 'SUCCESS', 1), { replyTo: uniqueName('gone-client') }).catch((e: unknown) => e);
    expect(TqError.is(error, ErrorCodes.BROKER_REFUSED)).toBe(true);
  });

  test('close() fails pending waits with TQ_CLOSED', async () => {
    const client = backend({ url: AMQP_URL });
    await client.connect();
    const waiting = client.waitFor('forever').catch((e: unknown) => e);
    await client.close();
    expect(TqError.is(await waiting, ErrorCodes.CLOSED)).toBe(true);
  });
});
