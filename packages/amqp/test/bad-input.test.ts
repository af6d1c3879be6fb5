import { randomUUID } from 'node:crypto';
import { createApp, createWorker, encodeTaskMessage, jsonSerializer } from '@tq/core';
import { afterEach, describe, expect, test } from 'vitest';
import { createRpcResultBackend } from '../src/index.js';
import { decodeTableTolerant, UNDECODABLE_HEADER } from '../src/table-decoder.js';
import { tolerantHeaderDecoding } from '../src/amqplib-loader.js';
import { hasCelery, pyamqpPublish } from './celery.js';
import { Fixture, message, rabbitUp, take, text, waitFor } from './helpers.js';

const fx = new Fixture();
afterEach(() => fx.cleanup());

describe('header tables amqplib refuses', () => {
  test('the loader installed the tolerant decoder (amqplib was not loaded before it)', () => {
    expect(tolerantHeaderDecoding).toBe(true);
  });

  test('py-amqp\'s L (signed 64-bit) and U (signed 16-bit) are read; an unknown tag marks the table instead of throwing', () => {
    const table = Buffer.concat([
      Buffer.from([3]), Buffer.from('big'), Buffer.from('L'), (() => { const b = Buffer.alloc(8); b.writeBigInt64BE(-(2n ** 40n)); return b; })(),
      Buffer.from([1]), Buffer.from('s'), Buffer.from('U'), Buffer.from([0xff, 0xfe]),
      Buffer.from([1]), Buffer.from('z'), Buffer.from('Z'), Buffer.from([1, 2, 3]),
    ]);
    expect(decodeTableTolerant(table)).toEqual({ big: -(2 ** 40), s: -2, [UNDECODABLE_HEADER]: true });
  });
});

describe.skipIf(!rabbitUp || !hasCelery)('bad input from the wire (RabbitMQ)', () => {
  test('a py-amqp message with a >32-bit integer header is delivered, and the connection survives it', async () => {
    const t = fx.transport();
    const queue = fx.queue('bigint');
    await t.declareQueue({ name: queue });
    await pyamqpPublish(queue, '[[], {}, {}]', { task: 'tasks.x', id: 'big-1', when_ms: 2 ** 40, negative: -5, ratio: 1.5 });
    await t.publish(message('after'), { queue });
    const iterator = t.consume([queue], { prefetch: 2 })[Symbol.asyncIterator]();
    const [first, second] = await take(iterator, 2, 10_000);
    expect(first!.message.headers).toEqual({ task: 'tasks.x', id: 'big-1', when_ms: 2 ** 40, negative: -5, ratio: 1.5 });
    expect(text(second!)).toBe('after');
    await first!.ack();
    await second!.ack();
    await iterator.return!();
    expect(t.connection.current?.generation).toBe(1);
  });
});

describe.skipIf(!rabbitUp)('a tq worker given bad messages (RabbitMQ)', () => {
  test('no Celery headers, an undecodable body, a refused content type: each dead-lettered once, the worker keeps working', async () => {
    const queue = fx.queue('bad-worker');
    const transport = fx.transport();
    const backend = createRpcResultBackend({ transport });
    const app = createApp({ name: 'bad', broker: transport, backend, defaultQueue: queue });
    app.task('proj.ok', () => 'fine');
    const worker = createWorker({ app, queues: [queue], concurrency: 2 });
    await worker.start();
    try {
      const producer = fx.transport();
      await producer.publish({ ...message('[[], {}, {}]'), headers: {} }, { queue });
      await producer.publish({ ...message('{not json'), headers: { task: 'proj.ok', id: randomUUID(), lang: 'py' } }, { queue });
      await producer.publish({ ...message('binary'), contentType: 'application/x-python-serialize', headers: { task: 'proj.ok', id: randomUUID(), lang: 'py' } }, { queue });
      const id = randomUUID();
      await producer.publish(encodeTaskMessage({ id, task: 'proj.ok', replyTo: backend.replyTo }, { serializer: jsonSerializer }), { queue });
      expect(await backend.waitFor(id, { timeoutMs: 20_000 })).toMatchObject({ status: 'SUCCESS', result: 'fine' });
      await waitFor(async () => (await producer.size(`${queue}.dead`)) === 3, 10_000, 'three dead-lettered messages');
      expect(await producer.size(queue)).toBe(0);
    } finally {
      await worker.close();
    }
  }, 60_000);
});
