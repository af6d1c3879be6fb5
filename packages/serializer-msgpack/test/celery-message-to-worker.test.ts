import { readFileSync } from 'node:fs';
import { createApp, States, type TransportMessage, testMode } from '@tq/core';
import { msgpackSerializer } from '@tq/serializer-msgpack';
import { describe, expect, test } from 'vitest';

/**
 * A task message Python Celery 5.2 sent with serializer='msgpack', compression='gzip' (captured from kombu's
 * virtual transport by fixtures/generate_fixtures.py), executed by a tq worker (test mode: in-process transport
 * and backend). The worker must decompress, decode, run the task with Python's ints as ints and bytes as bytes.
 */
interface Envelope {
  body: string;
  'content-type': string;
  'content-encoding': string;
  headers: Record<string, unknown>;
  properties: Record<string, any>;
}
const fixtures = JSON.parse(
  readFileSync(new URL('./fixtures/celery-msgpack-messages.json', import.meta.url), 'utf8'),
) as {
  messages: { name: string; envelope: Envelope }[];
};

/** kombu's virtual-transport envelope to tq's message (what a Redis or SQS transport does on receipt). */
function toMessage(envelope: Envelope): TransportMessage {
  const p = envelope.properties;
  return {
    body: new Uint8Array(Buffer.from(envelope.body, 'base64')),
    contentType: envelope['content-type'],
    contentEncoding: envelope['content-encoding'],
    headers: envelope.headers,
    properties: {
      correlationId: p.correlation_id,
      replyTo: p.reply_to,
      deliveryMode: p.delivery_mode,
      priority: p.priority,
      deliveryInfo: { exchange: p.delivery_info.exchange, routingKey: p.delivery_info.routing_key },
    },
  };
}

async function runCeleryMessage(name: string, accept: string[]) {
  const envelope = fixtures.messages.find((candidate) => candidate.name === name)!.envelope;
  const app = createApp({ broker: 'memory://', backend: null, accept, serializers: [msgpackSerializer] });
  const received: unknown[][] = [];
  app.task('proj.echo', (...args: unknown[]) => {
    received.push(args);
    return { got: args.length };
  });
  const tq = await testMode(app);
  try {
    await tq.transport.declareQueue({ name: 'celery' });
    await tq.transport.publish(toMessage(envelope), { queue: 'celery' });
    await tq.runUntilIdle();
    const meta = await app.AsyncResult(envelope.headers.id as string).meta();
    return { received, meta, deadLettered: await tq.transport.size('celery.dead') };
  } finally {
    await tq.close();
  }
}

describe('a msgpack + gzip task message from Python Celery 5.2, run by a tq worker', () => {
  test('is decompressed, decoded and executed with ints as ints and bytes as bytes', async () => {
    const { received, meta } = await runCeleryMessage('gzip', ['msgpack']);
    expect(received).toHaveLength(1);
    const [x, email, order, kwargs] = received[0] as [number, string, object, Record<string, unknown>];
    expect([x, email, order]).toEqual([42, 'user@example.com', { order_id: 981223, amount: 19.99 }]);
    expect(kwargs.created_at_ms).toBe(1732406400123);
    expect(kwargs.wide).toBe(2n ** 60n);
    expect(kwargs.max_u64).toBe(2n ** 64n - 1n);
    expect(kwargs.raw).toEqual(new Uint8Array([0x00, 0x01, 0xfe, 0xff]));
    expect(kwargs.text).toBe('héllo ✓');
    expect(meta.status).toBe(States.SUCCESS);
    expect(meta.result).toEqual({ got: 4 });
  });

  test('the uncompressed message runs the same', async () => {
    const { received, meta } = await runCeleryMessage('plain', ['msgpack']);
    expect((received[0]![3] as Record<string, unknown>).created_at_ms).toBe(1732406400123);
    expect(meta.status).toBe(States.SUCCESS);
  });

  test('a worker that accepts only JSON refuses it (dead-lettered, not run)', async () => {
    const { received, deadLettered } = await runCeleryMessage('gzip', ['json']);
    expect(received).toHaveLength(0);
    expect(deadLettered).toBe(1);
  });
});
