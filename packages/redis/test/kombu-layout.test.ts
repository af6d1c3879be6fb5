import { afterAll, afterEach, describe, expect, test } from 'vitest';
import type { RedisTransport } from '../src/index.js';
import { dropPrefix, message, rawClient, redisUp, sleep, take, testTransport, text, uniquePrefix, waitUntil } from './helpers.js';

const SEP = '\x06\x16';
const prefixes: string[] = [];
const open: RedisTransport[] = [];
const client = redisUp ? rawClient() : undefined;

function setup(options: Parameters<typeof testTransport>[1] = {}) {
  const prefix = uniquePrefix('layout');
  prefixes.push(prefix);
  const made = testTransport(prefix, options);
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

describe.skipIf(!redisUp)('kombu key layout', () => {
  test('publish LPUSHes kombu’s envelope: base64 body, delivery_tag, delivery_info, wire priority', async () => {
    const { transport, prefix, queue } = setup();
    await transport.publish(message('hello', { headers: { task: 'tasks.echo', id: 't-1' }, properties: { correlationId: 't-1', replyTo: 'oid' } }), {
      queue,
    });
    const [raw] = await client!.lrange(`${prefix}${queue}${SEP}9`, 0, -1);
    const envelope = JSON.parse(raw!);
    expect(Object.keys(envelope)).toEqual(['body', 'content-encoding', 'content-type', 'headers', 'properties']);
    expect(Buffer.from(envelope.body, 'base64').toString()).toBe('hello');
    expect(envelope['content-type']).toBe('application/json');
    expect(envelope.headers).toEqual({ task: 'tasks.echo', id: 't-1' });
    expect(envelope.properties).toMatchObject({
      correlation_id: 't-1',
      reply_to: 'oid',
      delivery_mode: 2,
      delivery_info: { exchange: '', routing_key: queue },
      priority: 9,
      body_encoding: 'base64',
    });
    expect(envelope.properties.delivery_tag).toMatch(/^[0-9a-f-]{36}$/);
  });

  test('tq priorities land in kombu’s buckets: 9 → <queue>, 4 → <queue>␆␖3, 2 → ␆␖6, 0 and unset → ␆␖9', async () => {
    const { transport, prefix, queue } = setup();
    for (const priority of [9, 4, 2, 0, undefined]) {
      await transport.publish(message(`p${priority}`), { queue, ...(priority === undefined ? {} : { priority }) });
    }
    const lengths = await Promise.all(['', `${SEP}3`, `${SEP}6`, `${SEP}9`].map((suffix) => client!.llen(`${prefix}${queue}${suffix}`)));
    expect(lengths).toEqual([1, 1, 1, 2]);
    expect(await transport.size(queue)).toBe(5);
  });

  test('defaultPriority 9 puts messages without a priority where Celery’s clients put theirs', async () => {
    const { transport, prefix, queue } = setup({ defaultPriority: 9 });
    await transport.publish(message('unset'), { queue });
    expect(await client!.llen(`${prefix}${queue}`)).toBe(1);
  });

  test('a fetched message is recorded as kombu’s [envelope, exchange, routing_key] in unacked, scored by fetch time', async () => {
    const { transport, prefix, queue } = setup();
    await transport.publish(message('held'), { queue });
    const before = Date.now() / 1000;
    const [delivery] = await take(transport.consume([queue])[Symbol.asyncIterator](), 1);
    const tag = delivery!.message.properties.delivery_tag as string;
    const record = await client!.hget(`${prefix}unacked`, tag);
    const [envelope, exchange, routingKey] = JSON.parse(record!);
    expect(envelope.properties.delivery_tag).toBe(tag);
    expect([exchange, routingKey]).toEqual(['', queue]);
    const score = Number(await client!.zscore(`${prefix}unacked_index`, tag));
    expect(score).toBeGreaterThanOrEqual(before - 1);
    expect(score).toBeLessThanOrEqual(Date.now() / 1000 + 1);
    await delivery!.ack();
    await waitUntil('ack removes both records', async () => (await client!.hexists(`${prefix}unacked`, tag)) === 0);
    expect(await client!.zscore(`${prefix}unacked_index`, tag)).toBeNull();
  });

  test('extend(ms) rescores unacked_index to (now + ms − visibility timeout), what every kombu restorer honours', async () => {
    const { transport, prefix, queue } = setup({ visibilityTimeoutMs: 60_000 });
    await transport.publish(message('long'), { queue });
    const [delivery] = await take(transport.consume([queue])[Symbol.asyncIterator](), 1);
    const tag = delivery!.message.properties.delivery_tag as string;
    const now = Date.now();
    await delivery!.extend!(600_000);
    const score = Number(await client!.zscore(`${prefix}unacked_index`, tag));
    expect(Math.abs(score * 1000 - (now + 600_000 - 60_000))).toBeLessThan(1000);
    await delivery!.ack();
  });

  test('bindQueue writes kombu’s binding members; routing through them honours exchange types', async () => {
    const { transport, prefix, queue } = setup();
    await transport.declareExchange({ name: 'direct.ex', type: 'direct' });
    await transport.declareExchange({ name: 'topic.ex', type: 'topic' });
    await transport.bindQueue({ exchange: 'direct.ex', queue, routingKey: 'rk' });
    await transport.bindQueue({ exchange: 'topic.ex', queue, routingKey: 'orders.*' });
    expect(await client!.smembers(`${prefix}_kombu.binding.direct.ex`)).toEqual([`rk${SEP}${SEP}${queue}`]);
    expect(await client!.smembers(`${prefix}_kombu.binding.topic.ex`)).toEqual([`orders.*${SEP}^orders\\..*?[^\\.]$${SEP}${queue}`]);
    await transport.publish(message('direct'), { exchange: 'direct.ex', routingKey: 'rk' });
    await transport.publish(message('topic'), { exchange: 'topic.ex', routingKey: 'orders.created' });
    const got = await take(transport.consume([queue], { prefetch: 2 })[Symbol.asyncIterator](), 2);
    expect(got.map(text).sort()).toEqual(['direct', 'topic']);
    expect(got.map((d) => d.message.properties.deliveryInfo?.exchange).sort()).toEqual(['direct.ex', 'topic.ex']);
    for (const delivery of got) await delivery.ack();
  });

  test('broadcast PUBLISHes the envelope on /{db}.<exchange>/<routing key> (kombu fanout)', async () => {
    const { transport, prefix } = setup();
    const listener = rawClient();
    const seen: [string, string][] = [];
    listener.on('pmessage', (_pattern: string, channel: string, payload: string) => seen.push([channel, payload]));
    await listener.psubscribe(`${prefix}/0.celeryev*`);
    await transport.broadcast('celeryev', 'task.succeeded', message('event'));
    await transport.broadcast('celeryev', '', message('no key'));
    await waitUntil('both broadcasts arrive', () => seen.length === 2);
    listener.disconnect();
    expect(seen.map(([channel]) => channel)).toEqual([`${prefix}/0.celeryev/task.succeeded`, `${prefix}/0.celeryev`]);
    const envelope = JSON.parse(seen[0]![1]);
    expect(envelope.properties.delivery_info).toEqual({ exchange: 'celeryev', routing_key: 'task.succeeded' });
  });

  test('subscribe receives kombu-style broadcasts published by anyone on the fanout channels', async () => {
    const { transport, prefix } = setup();
    const iterator = transport.subscribe('celery.pidbox')[Symbol.asyncIterator]();
    const pending = iterator.next();
    await sleep(200);
    const envelope = {
      body: Buffer.from('{"method": "ping"}').toString('base64'),
      'content-encoding': 'utf-8',
      'content-type': 'application/json',
      headers: { clock: 1 },
      properties: { delivery_info: { exchange: 'celery.pidbox', routing_key: '' }, body_encoding: 'base64', delivery_tag: 'x', priority: 0 },
    };
    await client!.publish(`${prefix}/0.celery.pidbox`, JSON.stringify(envelope));
    const { value } = await pending;
    expect(value).toMatchObject({ exchange: 'celery.pidbox', routingKey: '' });
    expect(Buffer.from(value!.message.body).toString()).toBe('{"method": "ping"}');
    await iterator.return?.();
  });

  test('a delayed message waits in tq.delayed.<queue> (invisible to Python workers) until a tq consumer moves it', async () => {
    const { transport, prefix, queue } = setup();
    await transport.publish(message('later'), { queue, delayMs: 700 });
    expect(await client!.zcard(`${prefix}tq.delayed.${queue}`)).toBe(1);
    expect(await transport.size(queue)).toBe(0);
    const started = Date.now();
    const [delivery] = await take(transport.consume([queue])[Symbol.asyncIterator](), 1, 5000);
    expect(Date.now() - started).toBeGreaterThanOrEqual(600);
    expect(text(delivery!)).toBe('later');
    expect(await client!.zcard(`${prefix}tq.delayed.${queue}`)).toBe(0);
    await delivery!.ack();
  });

  test('leases of held messages are renewed: past the visibility timeout nobody restores them', async () => {
    const holder = setup({ visibilityTimeoutMs: 400 });
    const other = testTransport(holder.prefix, { visibilityTimeoutMs: 400 });
    open.push(other.transport);
    await holder.transport.publish(message('kept'), { queue: holder.queue });
    const [held] = await take(holder.transport.consume([holder.queue])[Symbol.asyncIterator](), 1);
    const watcher = other.transport.consume([holder.queue])[Symbol.asyncIterator]();
    const next = watcher.next();
    const outcome = await Promise.race([next.then(() => 'redelivered'), sleep(1500).then(() => 'kept')]);
    expect(outcome, 'three visibility timeouts later the message is still held').toBe('kept');
    await held!.ack();
    await watcher.return?.();
  });

  test('without lease renewal a held message comes back after the visibility timeout, marked redelivered', async () => {
    const holder = setup({ visibilityTimeoutMs: 400, renewLeases: false });
    const other = testTransport(holder.prefix, { visibilityTimeoutMs: 400 });
    open.push(other.transport);
    await holder.transport.publish(message('lapses'), { queue: holder.queue });
    await take(holder.transport.consume([holder.queue])[Symbol.asyncIterator](), 1);
    const [again] = await take(other.transport.consume([holder.queue])[Symbol.asyncIterator](), 1, 5000);
    expect(text(again!)).toBe('lapses');
    expect(again!.redelivered).toBe(true);
    await again!.ack();
  });
});
