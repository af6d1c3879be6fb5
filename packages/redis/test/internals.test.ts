import { afterAll, describe, expect, test } from 'vitest';
import { routeQueues, topicMatches, topicPattern } from '../src/bindings.js';
import { runFetch } from '../src/fetch.js';
import { markRedelivered, splitUnackedRecord } from '../src/json-scan.js';
import { bucketFor, fromWirePriority, toWirePriority } from '../src/priority.js';
import { Restorer } from '../src/restorer.js';
import { RedisTransport } from '../src/transport.js';
import { dropPrefix, message, rawClient, REDIS_URL, redisUp, uniquePrefix } from './helpers.js';

// An envelope as kombu 5.2 writes it (json.dumps), with values a JS round trip would change.
const PYTHON_ENVELOPE =
  '{"body": "e30=", "content-encoding": "utf-8", "content-type": "application/json", "headers": {"id": "t", "big": 12345678901234567890, "f": 0.1000000000000000055511151231257827, "nested": {"redelivered": "not this one"}, "empty": []}, "properties": {"correlation_id": "t", "delivery_mode": 2, "delivery_info": {"exchange": "", "routing_key": "celery"}, "priority": 0, "body_encoding": "base64", "delivery_tag": "tag-1"}}';

describe('editing envelopes without re-encoding them', () => {
  test('markRedelivered sets headers.redelivered and delivery_info.redelivered and leaves every other byte alone', () => {
    const marked = markRedelivered(PYTHON_ENVELOPE)!;
    const parsed = JSON.parse(marked);
    expect(parsed.headers.redelivered).toBe(true);
    expect(parsed.properties.delivery_info).toEqual({ redelivered: true, exchange: '', routing_key: 'celery' });
    expect(parsed.headers.nested).toEqual({ redelivered: 'not this one' });
    expect(marked).toContain('"big": 12345678901234567890');
    expect(marked).toContain('"f": 0.1000000000000000055511151231257827');
    expect(marked).toContain('"empty": []');
    expect(marked.replace('"redelivered": true, ', '').replace('"redelivered": true, ', '')).toBe(PYTHON_ENVELOPE);
  });

  test('markRedelivered replaces an existing flag, handles empty objects and refuses what is not an envelope', () => {
    const again = markRedelivered(markRedelivered(PYTHON_ENVELOPE)!)!;
    expect(again.match(/"redelivered": true/g)).toHaveLength(2);
    expect(JSON.parse(markRedelivered('{"headers": {}, "properties": {"delivery_info": {}}}')!)).toEqual({
      headers: { redelivered: true },
      properties: { delivery_info: { redelivered: true } },
    });
    expect(markRedelivered('{"headers": {"a": "}\\"{"}}')).toBe('{"headers": {"redelivered": true, "a": "}\\"{"}}');
    expect(markRedelivered('not json')).toBeUndefined();
    expect(markRedelivered('{"headers": {')).toBeUndefined();
  });

  test('splitUnackedRecord reads kombu’s [envelope, exchange, routing_key] (Python’s and tq’s)', () => {
    const python = `[${PYTHON_ENVELOPE}, "ex", "rk"]`;
    expect(splitUnackedRecord(python)).toEqual({ envelope: PYTHON_ENVELOPE, exchange: 'ex', routingKey: 'rk' });
    expect(splitUnackedRecord(`[${PYTHON_ENVELOPE},"","q"]`)).toEqual({ envelope: PYTHON_ENVELOPE, exchange: '', routingKey: 'q' });
    expect(splitUnackedRecord('[1, 2]')).toBeUndefined();
    expect(splitUnackedRecord('garbage')).toBeUndefined();
  });
});

describe('priorities and routing', () => {
  test('tq priority ↔ kombu wire priority, and kombu’s buckets', () => {
    expect([9, 7, 4, 1, 0, 255, -3, undefined].map(toWirePriority)).toEqual([0, 2, 5, 8, 9, 0, 9, 0]);
    expect([0, 5, 9, 12, '3', 'x', null, undefined].map(fromWirePriority)).toEqual([9, 4, 0, 0, 6, 9, undefined, undefined]);
    expect([0, 2, 3, 5, 6, 8, 9].map((wire) => bucketFor(wire, [0, 3, 6, 9]))).toEqual([0, 0, 3, 3, 6, 6, 9]);
  });

  test('topic bindings: kombu’s pattern is written, AMQP’s rules route', () => {
    expect(topicPattern('a.*.b-c#.#')).toBe('^a\\..*?[^\\.]\\.b\\-c#\\..*?$');
    expect(topicPattern('celery.#')).toBe('^celery\\..*?$');
    expect(topicMatches('a.*', 'a.b')).toBe(true);
    expect(topicMatches('a.*', 'a.b.c')).toBe(false);
    expect(topicMatches('a.#', 'a')).toBe(true);
    expect(topicMatches('#.z', 'x.y.z')).toBe(true);
    expect(topicMatches('#', '')).toBe(true);
    const entries = [
      { routingKey: 'orders.*', pattern: topicPattern('orders.*'), queue: 'q1' },
      { routingKey: 'orders.#', pattern: topicPattern('orders.#'), queue: 'q2' },
    ];
    expect(routeQueues(entries, undefined, 'orders.created.eu').sort()).toEqual(['q2']);
    expect(routeQueues(entries, 'fanout', 'anything').sort()).toEqual(['q1', 'q2']);
  });
});

const prefixes: string[] = [];
afterAll(async () => {
  if (!redisUp) return;
  const client = rawClient();
  for (const prefix of prefixes) await dropPrefix(client, prefix);
  client.disconnect();
});

describe.skipIf(!redisUp)('a fetch whose reply is lost', () => {
  test('leaves its tags under tq.inflight.<consumer>, from which the messages go back to the front of the queue', async () => {
    const prefix = uniquePrefix('inflight');
    prefixes.push(prefix);
    const transport = new RedisTransport({ url: REDIS_URL, keyPrefix: prefix });
    const client = rawClient();
    try {
      for (const text of ['one', 'two', 'three']) await transport.publish(message(text), { queue: 'q' });
      // The script runs, as it would before the connection drops; its reply is then ignored.
      const fetched = await runFetch(transport, { consumerId: 'c1', fetchId: 'f1', queues: ['q'], count: 2 });
      expect(fetched.items).toHaveLength(2);
      const record = (await client.get(`${prefix}tq.inflight.c1`))!.split('\n');
      expect(record).toEqual(['f1', ...fetched.items.map((item) => item.tag)]);
      expect(await client.hlen(`${prefix}unacked`)).toBe(2);
      const restored = await new Restorer(transport).restoreTags(record.slice(1).reverse(), { markRedelivered: false });
      expect(restored).toBe(2);
      expect(await client.hlen(`${prefix}unacked`)).toBe(0);
      // Back at the consuming end in their original order, not marked redelivered (they were never delivered).
      const list = await client.lrange(`${prefix}q\x06\x169`, 0, -1);
      expect(list.map((raw) => Buffer.from(JSON.parse(raw).body, 'base64').toString())).toEqual(['three', 'two', 'one']);
      expect(list.every((raw) => !raw.includes('redelivered'))).toBe(true);
    } finally {
      client.disconnect();
      await transport.close();
    }
  });
});
