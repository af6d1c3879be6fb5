import { ErrorCodes, TqError } from '@tq/core';
import { afterAll, afterEach, describe, expect, test } from 'vitest';
import { RedisResultBackend, type RedisTransport } from '../src/index.js';
import { dropPrefix, message, rawClient, REDIS_URL, redisUp, take, testTransport, text, uniquePrefix, waitUntil } from './helpers.js';

const SEP = '\x06\x16';
const prefixes: string[] = [];
const open: RedisTransport[] = [];
const client = redisUp ? rawClient() : undefined;

function setup() {
  const prefix = uniquePrefix('bad-input');
  prefixes.push(prefix);
  const made = testTransport(prefix);
  open.push(made.transport);
  return { ...made, prefix, queue: 'work' };
}

afterEach(async () => {
  await Promise.all(open.splice(0).map((transport) => transport.close()));
});

afterAll(async () => {
  if (!client) return;
  for (const prefix of prefixes) await dropPrefix(client, prefix);
  client.disconnect();
});

describe.skipIf(!redisUp)('bad input on the broker', () => {
  test('values that are not kombu envelopes are moved to <queue>.dead, reported, and consumption goes on', async () => {
    const { transport, errors, prefix, queue } = setup();
    const junk = ['not json at all', '{"no": "properties"}', '[1, 2, 3]', '{"properties": {"delivery_tag": ""}}'];
    await client!.lpush(`${prefix}${queue}${SEP}9`, ...junk);
    await transport.publish(message('good'), { queue });
    const [delivery] = await take(transport.consume([queue])[Symbol.asyncIterator](), 1);
    expect(text(delivery!)).toBe('good');
    await delivery!.ack();
    expect((await client!.lrange(`${prefix}${queue}.dead`, 0, -1)).sort()).toEqual([...junk].sort());
    expect(errors.filter((error) => error.code === ErrorCodes.MALFORMED_MESSAGE)).toHaveLength(junk.length);
    expect(errors[0]!.details).toMatchObject({ queue, movedTo: `${queue}.dead` });
    expect(await client!.hlen(`${prefix}unacked`)).toBe(0);
  });

  test('an envelope whose body is not base64 is moved to <queue>.dead with TQ_DECODE, not left unacked', async () => {
    const { transport, errors, prefix, queue } = setup();
    const broken = JSON.stringify({
      body: 'this is %%% not base64!',
      'content-encoding': 'utf-8',
      'content-type': 'application/json',
      headers: {},
      properties: { delivery_tag: 'bad-body', body_encoding: 'base64', delivery_info: { exchange: '', routing_key: queue }, priority: 0 },
    });
    await client!.lpush(`${prefix}${queue}`, broken);
    await transport.publish(message('after'), { queue });
    const [delivery] = await take(transport.consume([queue])[Symbol.asyncIterator](), 1);
    expect(text(delivery!)).toBe('after');
    await delivery!.ack();
    await waitUntil('the broken envelope reaches the dead-letter list', async () => (await client!.llen(`${prefix}${queue}.dead`)) === 1);
    expect(await client!.lrange(`${prefix}${queue}.dead`, 0, -1)).toEqual([broken]);
    expect(errors.map((error) => error.code)).toContain(ErrorCodes.DECODE);
    expect(await client!.hexists(`${prefix}unacked`, 'bad-body')).toBe(0);
  });

  test('a queue key holding the wrong Redis type is renamed aside with TQ_WRONG_TYPE and the queue works again', async () => {
    const { transport, errors, prefix, queue } = setup();
    await client!.set(`${prefix}${queue}${SEP}9`, 'somebody else’s string');
    const iterator = transport.consume([queue])[Symbol.asyncIterator]();
    const pending = iterator.next();
    await waitUntil('the wrong type is reported', () => errors.some((error) => error.code === ErrorCodes.WRONG_TYPE));
    await transport.publish(message('works'), { queue });
    const { value } = await pending;
    expect(text(value!)).toBe('works');
    await value!.ack();
    const aside = await client!.keys(`${prefix}${queue}${SEP}9.wrongtype.*`);
    expect(aside).toHaveLength(1);
    expect(await client!.get(aside[0]!)).toBe('somebody else’s string');
    expect(errors.find((error) => error.code === ErrorCodes.WRONG_TYPE)!.details).toMatchObject({ movedTo: aside[0] });
    await iterator.return?.();
  });

  test('unacked of the wrong type stops fetching (nothing is popped) with TQ_WRONG_TYPE until it is fixed', async () => {
    const { transport, errors, prefix, queue } = setup();
    await client!.set(`${prefix}unacked`, 'oops');
    await transport.publish(message('waits'), { queue });
    const iterator = transport.consume([queue])[Symbol.asyncIterator]();
    const pending = iterator.next();
    await waitUntil('the wrong type is reported', () => errors.some((error) => error.code === ErrorCodes.WRONG_TYPE));
    expect(await transport.size(queue)).toBe(1);
    await client!.del(`${prefix}unacked`);
    const { value } = await pending;
    expect(text(value!)).toBe('waits');
    await value!.ack();
    await iterator.return?.();
  }, 20_000);

  test('publishing a body that is neither bytes nor text is refused with TQ_ENCODE', async () => {
    const { transport, queue } = setup();
    const bad = { ...message('x'), body: 42 as unknown as Uint8Array };
    await expect(transport.publish(bad, { queue })).rejects.toMatchObject({ code: ErrorCodes.ENCODE });
  });

  test('publishing to an exchange with no bound queue parks the message in tq.unroutable and reports it', async () => {
    const { transport, errors, prefix } = setup();
    await transport.publish(message('lost?'), { exchange: 'nobody', routingKey: 'home' });
    expect(await client!.llen(`${prefix}tq.unroutable`)).toBe(1);
    expect(errors.map((error) => error.code)).toContain(ErrorCodes.BROKER_REFUSED);
  });
});

describe.skipIf(!redisUp)('bad input on the result backend', () => {
  test('a result key of the wrong type fails get and store with TQ_WRONG_TYPE', async () => {
    const prefix = uniquePrefix('bad-results');
    prefixes.push(prefix);
    const backend = new RedisResultBackend({ url: REDIS_URL, keyPrefix: prefix });
    try {
      await client!.lpush(backend.taskKey('t1'), 'a list');
      await expect(backend.get('t1')).rejects.toMatchObject({ code: ErrorCodes.WRONG_TYPE });
      const meta = { status: 'SUCCESS', result: 1, traceback: null, children: [], date_done: null, task_id: 't1' };
      await expect(backend.store('t1', meta)).rejects.toMatchObject({ code: ErrorCodes.WRONG_TYPE });
    } finally {
      await backend.close();
    }
  });

  test('a stored value that is not JSON fails get with TQ_DECODE', async () => {
    const prefix = uniquePrefix('bad-results');
    prefixes.push(prefix);
    const backend = new RedisResultBackend({ url: REDIS_URL, keyPrefix: prefix });
    try {
      await client!.set(backend.taskKey('t2'), '\x80\x03pickle');
      const failure = await backend.get('t2').catch((error: unknown) => error);
      expect(TqError.is(failure, ErrorCodes.DECODE)).toBe(true);
    } finally {
      await backend.close();
    }
  });
});
