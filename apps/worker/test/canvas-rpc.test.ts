import { expect, test } from 'vitest';
import { chain, chord, createApp, ErrorCodes, group, TqError } from '@tq/core';
import { createAmqpTransport, createRpcResultBackend } from '@tq/amqp';

/**
 * Celery refuses chords on the RPC backend (only the caller can read results, so no worker can count parts).
 * So does tq: the rpc backend declares no `chords` capability and canvas refuses before anything is sent. No
 * connection is made (the refusal comes first), so this needs no RabbitMQ.
 */
test('the RPC result backend refuses chords with TQ_NOT_SUPPORTED, before sending anything', async () => {
  const transport = createAmqpTransport({ url: 'amqp://guest:guest@127.0.0.1:5672//' });
  const backend = createRpcResultBackend({ transport });
  expect(backend.capabilities.chords).toBe(false);
  const app = createApp({ name: 'canvas-rpc', broker: transport, backend });
  const add = app.task('rpc.add', (x: number, y: number) => x + y);
  const total = app.task('rpc.total', (values: number[]) => values.length);
  const direct = await chord([add.s(1, 2)], total.s())
    .delay()
    .catch((e: unknown) => e);
  expect(TqError.is(direct, ErrorCodes.NOT_SUPPORTED)).toBe(true);
  const inChain = await chain(add.s(1, 2), group([add.s(1), add.s(2)]), total.s())
    .delay()
    .catch((e: unknown) => e);
  expect(TqError.is(inChain, ErrorCodes.NOT_SUPPORTED)).toBe(true);
  await app.close();
});
