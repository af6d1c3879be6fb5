import { ErrorCodes, TqError, type TransportMessage } from '@tq/core';
import { afterAll, afterEach, describe, expect, test } from 'vitest';
import type { RedisTransport } from '../src/index.js';
import { dropPrefix, message, rawClient, redisUp, testTransport, uniquePrefix } from './helpers.js';

const prefixes: string[] = [];
const open: RedisTransport[] = [];
const client = redisUp ? rawClient() : undefined;

afterEach(async () => {
  await Promise.all(open.splice(0).map((transport) => transport.close()));
});

afterAll(async () => {
  if (!client) return;
  for (const prefix of prefixes) await dropPrefix(client, prefix);
  client.disconnect();
});

function setup() {
  const prefix = uniquePrefix('coalesce');
  prefixes.push(prefix);
  const made = testTransport(prefix);
  open.push(made.transport);
  return { ...made, prefix, queue: 'work' };
}

/** Single publishes of one turn share a pipeline (src/publish-coalescer.ts); each keeps its own outcome. */
describe.skipIf(!redisUp)('coalesced single publishes', () => {
  test('a thousand concurrent publishes all arrive, each exactly once', async () => {
    const { transport, queue } = setup();
    await transport.declareQueue({ name: queue });
    await Promise.all(Array.from({ length: 1000 }, (_, i) => transport.publish(message(`m${i}`), { queue })));
    expect(await transport.size(queue)).toBe(1000);
  });

  test('one unencodable message in a turn fails alone; the others of the same turn arrive', async () => {
    const { transport, queue } = setup();
    await transport.declareQueue({ name: queue });
    const bad = { ...message('x'), body: 42 as unknown as Uint8Array } satisfies TransportMessage;
    const outcomes = await Promise.allSettled([
      transport.publish(message('before'), { queue }),
      transport.publish(bad, { queue }),
      transport.publish(message('after'), { queue }),
    ]);
    expect(outcomes.map((outcome) => outcome.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    const reason = (outcomes[1] as PromiseRejectedResult).reason;
    expect(TqError.is(reason, ErrorCodes.ENCODE)).toBe(true);
    expect(await transport.size(queue)).toBe(2);
  });

  test('a publish whose signal is aborted before the flush is not sent; its neighbours are', async () => {
    const { transport, queue } = setup();
    await transport.declareQueue({ name: queue });
    await transport.connect();
    const controller = new AbortController();
    const sent = transport.publish(message('kept'), { queue });
    const dropped = transport.publish(message('dropped'), { queue, signal: controller.signal });
    controller.abort();
    await expect(dropped).rejects.toSatisfy((error: unknown) => TqError.is(error));
    await sent;
    expect(await transport.size(queue)).toBe(1);
  });
});
