import assert from 'node:assert/strict';
import { sleep } from '../support/timing.js';
import {
  assertIncludes,
  assertSameBytes,
  patternBytes,
  range,
  sorted,
  tagged,
  tagOf,
  tags,
  TAG_HEADER,
} from '../support/messages.js';
import type { TransportCases } from './cases.js';

/** Header values of every JSON kind, including the shapes Celery puts in its headers. */
const RICH_HEADERS = {
  task: 'tasks.add',
  id: '6f1c2b4e-0000-4000-8000-000000000001',
  retries: 0,
  timelimit: [null, null],
  argsrepr: '(1, 2)',
  'x-text': 'héllo wörld, 日本語, emoji 🎉👍🏽',
  'x-int': 42,
  'x-negative': -7,
  'x-float': 1.5,
  'x-true': true,
  'x-false': false,
  'x-null': null,
  'x-empty-text': '',
  'x-list': [1, 'two', null, [3]],
  'x-empty-list': [],
  'x-nested': { a: { b: [1, 2, { c: 'd' }] } },
  'x-empty-object': {},
};

export function registerPublishConsumeCases(cases: TransportCases): void {
  cases.add({
    name: 'a message round-trips with its bytes, content type, encoding, headers and properties',
    run: async (ctx) => {
      const transport = await ctx.transport();
      const queue = await ctx.queue(transport);
      const body = patternBytes(4096);
      await transport.publish(
        tagged('rich', {
          body,
          contentType: 'application/x-tqconf',
          contentEncoding: 'binary',
          headers: RICH_HEADERS,
          properties: { correlationId: 'corr-1', replyTo: 'reply.queue', deliveryMode: 2 },
        }),
        { queue },
      );
      const delivery = await ctx.receive(transport, queue).next('the published message', ctx.timing.deadline);
      const { message } = delivery;
      assertSameBytes(message.body, body, 'the delivered body');
      assert.equal(message.contentType, 'application/x-tqconf', 'contentType must survive');
      assert.equal(message.contentEncoding, 'binary', 'contentEncoding must survive');
      assertIncludes(message.headers, { [TAG_HEADER]: 'rich', ...RICH_HEADERS }, 'headers');
      assert.equal(message.properties.correlationId, 'corr-1', 'properties.correlationId must survive');
      assert.equal(message.properties.replyTo, 'reply.queue', 'properties.replyTo must survive');
      assert.equal(message.properties.deliveryMode, 2, 'properties.deliveryMode must survive');
      assert.equal(delivery.queue, queue, 'delivery.queue names the queue it came from');
      assert.equal(delivery.redelivered, false, 'a first delivery is not marked redelivered');
      assert.ok(
        delivery.deliveryCount === undefined || delivery.deliveryCount === 1,
        `deliveryCount is 1 on a first delivery (or undefined when the broker does not count), got ${delivery.deliveryCount}`,
      );
      const info = message.properties.deliveryInfo;
      assert.ok(info && typeof info === 'object', 'properties.deliveryInfo is filled on delivery');
      assert.equal(typeof info.exchange, 'string', 'deliveryInfo.exchange is a string');
      assert.equal(typeof info.routingKey, 'string', 'deliveryInfo.routingKey is a string');
      await delivery.ack();
    },
  });

  cases.add({
    name: 'an empty body and empty headers round-trip',
    run: async (ctx) => {
      const transport = await ctx.transport();
      const queue = await ctx.queue(transport);
      await transport.publish(
        { body: new Uint8Array(0), contentType: 'application/octet-stream', contentEncoding: 'binary', headers: {}, properties: { correlationId: 'empty' } },
        { queue },
      );
      const delivery = await ctx.receive(transport, queue).next('the empty message', ctx.timing.deadline);
      assert.equal(delivery.message.body.byteLength, 0, 'an empty body stays empty');
      assert.equal(delivery.message.properties.correlationId, 'empty');
      await delivery.ack();
    },
  });

  cases.add({
    name: 'a Buffer body is accepted and delivered as a Uint8Array with the same bytes',
    run: async (ctx) => {
      const transport = await ctx.transport();
      const queue = await ctx.queue(transport);
      const body = Buffer.from('buffer body \u00e9\u0000\u00ff', 'utf8');
      await transport.publish(tagged('buffer', { body }), { queue });
      const delivery = await ctx.receive(transport, queue).next('the message', ctx.timing.deadline);
      assertSameBytes(delivery.message.body, new Uint8Array(body), 'the delivered body');
      await delivery.ack();
    },
  });

  cases.add({
    name: 'a consumer waiting on an empty queue gets a message published later',
    run: async (ctx) => {
      const transport = await ctx.transport();
      const queue = await ctx.queue(transport);
      const receiver = ctx.receive(transport, queue);
      await sleep(ctx.timing.ms(200));
      await receiver.expectNothing('an empty queue yields nothing', ctx.timing.ms(100));
      await transport.publish(tagged('later'), { queue });
      const delivery = await receiver.next('the message published while the consumer waited', ctx.timing.deadline);
      assert.equal(tagOf(delivery), 'later');
      await delivery.ack();
    },
  });

  cases.add({
    name: 'a message published through one instance is consumed through another',
    run: async (ctx) => {
      const producer = await ctx.transport();
      const consumer = await ctx.transport();
      const queue = await ctx.queue(producer);
      await producer.publish(tagged('across'), { queue });
      const delivery = await ctx.receive(consumer, queue).next('the message, through the second instance', ctx.timing.deadline);
      assert.equal(tagOf(delivery), 'across');
      await delivery.ack();
    },
  });

  cases.add({
    name: 'publishBatch delivers every message exactly once; an empty batch is fine',
    run: async (ctx) => {
      const transport = await ctx.transport();
      const queue = await ctx.queue(transport);
      await transport.publishBatch([]);
      const expected = range('batch', 50);
      await transport.publishBatch(expected.map((tag) => ({ message: tagged(tag), options: { queue } })));
      const receiver = ctx.receive(transport, queue, { prefetch: 10, autoAck: true });
      const got = await receiver.take(expected.length, 'the batch', ctx.timing.deadline);
      assert.deepStrictEqual(sorted(tags(got)), sorted(expected), 'each message of the batch, once');
      await receiver.expectNothing('no duplicates after the batch', ctx.timing.quiet);
    },
  });

  cases.add({
    name: '500 messages consumed with prefetch 50 are each delivered exactly once',
    run: async (ctx) => {
      const transport = await ctx.transport();
      const queue = await ctx.queue(transport);
      const expected = range('bulk', 500);
      await Promise.all(expected.map((tag) => transport.publish(tagged(tag), { queue })));
      const receiver = ctx.receive(transport, queue, { prefetch: 50, autoAck: true });
      const got = await receiver.take(expected.length, '500 messages', ctx.timing.deadline * 3);
      const seen = tags(got);
      assert.equal(new Set(seen).size, seen.length, 'no message may be delivered twice');
      assert.deepStrictEqual(sorted(seen), sorted(expected), 'every message, once');
      await receiver.expectNothing('no duplicates after the last one', ctx.timing.quiet);
    },
  });

  cases.add({
    name: 'one consumer reads several queues, and each delivery names its queue',
    run: async (ctx) => {
      const transport = await ctx.transport();
      const first = await ctx.queue(transport, 'first');
      const second = await ctx.queue(transport, 'second');
      for (const tag of range('first', 3)) await transport.publish(tagged(tag), { queue: first });
      for (const tag of range('second', 3)) await transport.publish(tagged(tag), { queue: second });
      const got = await ctx.receive(transport, [first, second], { prefetch: 2, autoAck: true }).take(6, 'messages of both queues', ctx.timing.deadline);
      assert.deepStrictEqual(sorted(tags(got)), sorted([...range('first', 3), ...range('second', 3)]));
      for (const delivery of got) {
        const expectedQueue = tagOf(delivery).startsWith('first') ? first : second;
        assert.equal(delivery.queue, expectedQueue, `delivery.queue of ${tagOf(delivery)}`);
      }
    },
  });

  cases.add({
    name: 'two consumers of one queue share its messages without duplicates',
    run: async (ctx) => {
      const one = await ctx.transport();
      const two = await ctx.transport();
      const queue = await ctx.queue(one);
      const a = ctx.receive(one, queue, { prefetch: 3, autoAck: true });
      const b = ctx.receive(two, queue, { prefetch: 3, autoAck: true });
      const expected = range('shared', 40);
      for (const tag of expected) await one.publish(tagged(tag), { queue });
      const until = Date.now() + ctx.timing.deadline;
      while (a.received.length + b.received.length < expected.length && Date.now() < until) await sleep(20);
      await sleep(ctx.timing.quiet); // anything delivered twice would show up now
      const seen = [...tags(a.received), ...tags(b.received)];
      assert.equal(seen.length, expected.length, `expected ${expected.length} deliveries over both consumers, got ${seen.length}`);
      assert.deepStrictEqual(sorted(seen), sorted(expected), 'each message goes to exactly one consumer');
    },
  });
}
