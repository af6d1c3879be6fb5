import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, test, vi } from 'vitest';
import { ErrorCodes, MemoryBroker, memoryTransport, TqError } from '../../src/index.js';
import { message, tagOf, take } from './helpers.js';

afterEach(() => {
  vi.useRealTimers();
});

describe('memory transport: test-mode helpers', () => {
  test('idle(), stats() and outstanding follow a message from publish to ack', async () => {
    const transport = memoryTransport();
    expect(transport.idle()).toBe(true);
    await transport.publish(message('a'), { queue: 'q' });
    await transport.publish(message('later'), { queue: 'q', delayMs: 60_000 });
    expect(transport.stats()).toEqual({ ready: 1, delayed: 1, outstanding: 0 });
    const [delivery] = await take(transport, 'q', 1, { ack: false });
    expect(transport.outstanding).toBe(1);
    expect(transport.idle()).toBe(false);
    await delivery!.ack();
    expect(transport.stats()).toEqual({ ready: 0, delayed: 1, outstanding: 0 });
    expect(transport.releaseDelayed()).toBe(1);
    expect(transport.stats()).toEqual({ ready: 1, delayed: 0, outstanding: 0 });
    await take(transport, 'q', 1);
    expect(transport.idle()).toBe(true);
  });

  test('delay timers do not keep the process alive', () => {
    const entry = fileURLToPath(new URL('../../src/testing/index.ts', import.meta.url));
    const script = `
      const { memoryTransport } = await import(${JSON.stringify(entry)});
      const transport = memoryTransport();
      await transport.publish({ body: new Uint8Array(1), contentType: 'x/y', contentEncoding: 'binary', headers: {}, properties: {} },
        { queue: 'q', delayMs: 600000 });
      console.log('published');`;
    const child = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      encoding: 'utf8',
      timeout: 30_000,
    });
    expect(child.stderr).toBe('');
    expect(child.stdout.trim()).toBe('published');
    expect(child.status).toBe(0);
  });

  test('delays longer than a timer can hold (2^31 ms) are re-armed, not fired at once', async () => {
    vi.useFakeTimers();
    const transport = memoryTransport();
    await transport.publish(message('far'), { queue: 'q', delayMs: 2 ** 31 + 5_000 });
    await vi.advanceTimersByTimeAsync(2 ** 31 - 1);
    expect(transport.stats()).toMatchObject({ ready: 0, delayed: 1 });
    await vi.advanceTimersByTimeAsync(10_000);
    expect(transport.stats()).toMatchObject({ ready: 1, delayed: 0 });
  });
});

describe('memory transport: choices the contract leaves open', () => {
  test('stored and delivered messages are copies: neither side can change the other', async () => {
    const transport = memoryTransport();
    const published = message('orig', { list: [1] });
    await transport.publish(published, { queue: 'q' });
    (published.headers.list as number[]).push(2);
    published.body[0] = 0;
    const [first] = await take(transport, 'q', 1, { ack: false });
    expect(first!.message.headers.list).toEqual([1]);
    expect(tagOf(first!)).toBe('orig');
    (first!.message.headers.list as number[]).push(3);
    await first!.reject({ requeue: true });
    const [again] = await take(transport, 'q', 1);
    expect(again!.message.headers.list).toEqual([1]);
  });

  test('a requeued message goes back to the front of its priority', async () => {
    const transport = memoryTransport();
    for (const tag of ['a', 'b', 'c']) await transport.publish(message(tag), { queue: 'q' });
    const [a] = await take(transport, 'q', 1, { ack: false });
    await a!.reject({ requeue: true });
    expect((await take(transport, 'q', 3)).map(tagOf)).toEqual(['a', 'b', 'c']);
  });

  test('settling twice is refused with TQ_BROKER_REFUSED; after close() with TQ_CLOSED', async () => {
    const broker = new MemoryBroker();
    const transport = memoryTransport({ broker });
    await transport.publish(message('x'), { queue: 'q' });
    await transport.publish(message('y'), { queue: 'q' });
    const [x, y] = await take(transport, 'q', 2, { ack: false, prefetch: 2 });
    await x!.ack();
    await expect(x!.ack()).rejects.toMatchObject({ code: ErrorCodes.BROKER_REFUSED });
    await expect(x!.reject()).rejects.toMatchObject({ code: ErrorCodes.BROKER_REFUSED });
    await transport.close();
    await expect(y!.ack()).rejects.toMatchObject({ code: ErrorCodes.CLOSED });
    const other = memoryTransport({ broker });
    const [back] = await take(other, 'q', 1);
    expect(tagOf(back!)).toBe('y');
    expect(back!.redelivered).toBe(true);
  });

  test('a queue declared with maxPriority caps higher priorities to it', async () => {
    const transport = memoryTransport();
    await transport.declareQueue({ name: 'q', maxPriority: 5 });
    await transport.publish(message('at-cap'), { queue: 'q', priority: 5 });
    await transport.publish(message('above-cap'), { queue: 'q', priority: 200 });
    await transport.publish(message('low'), { queue: 'q', priority: 1 });
    expect((await take(transport, 'q', 3)).map(tagOf)).toEqual(['at-cap', 'above-cap', 'low']);
  });

  test('publishBatch with one bad item publishes nothing', async () => {
    const transport = memoryTransport();
    const items = [
      { message: message('good'), options: { queue: 'q' } },
      { message: message('bad'), options: { queue: 'q', delayMs: Number.NaN } },
    ];
    await expect(transport.publishBatch(items)).rejects.toMatchObject({ code: ErrorCodes.INVALID_CONFIG });
    expect(await transport.size('q')).toBe(0);
  });

  test('exchanges: undeclared is refused, a type change is refused, unroutable messages are dropped', async () => {
    const transport = memoryTransport();
    await expect(transport.publish(message('m'), { exchange: 'nope', routingKey: 'k' })).rejects.toMatchObject({
      code: ErrorCodes.BROKER_REFUSED,
    });
    await transport.declareExchange({ name: 'ex', type: 'direct' });
    await expect(transport.declareExchange({ name: 'ex', type: 'topic' })).rejects.toMatchObject({
      code: ErrorCodes.BROKER_REFUSED,
    });
    await transport.publish(message('unroutable'), { exchange: 'ex', routingKey: 'nobody' });
    expect(transport.idle()).toBe(true);
  });

  test('the default exchange routes by queue name, as in AMQP', async () => {
    const transport = memoryTransport();
    await transport.publish(message('via-default'), { exchange: '', routingKey: 'q' });
    const [delivery] = await take(transport, 'q', 1);
    expect(tagOf(delivery!)).toBe('via-default');
    expect(delivery!.message.properties.deliveryInfo).toMatchObject({ exchange: '', routingKey: 'q' });
  });

  test('consumers of one queue take turns', async () => {
    const transport = memoryTransport();
    const seen: string[] = [];
    const abort = new AbortController();
    const consume = async (name: string) => {
      for await (const delivery of transport.consume(['q'], { signal: abort.signal })) {
        seen.push(name);
        await new Promise((resolve) => setImmediate(resolve));
        await delivery.ack();
        if (seen.length === 6) abort.abort();
      }
    };
    const loops = [consume('one'), consume('two')];
    await new Promise((resolve) => setImmediate(resolve));
    for (let i = 0; i < 6; i++) await transport.publish(message(`m${i}`), { queue: 'q' });
    await Promise.all(loops);
    expect(seen.filter((name) => name === 'one').length).toBe(3);
  });

  test('a broadcast right after subscribe() is received (the subscription starts at once)', async () => {
    const transport = memoryTransport();
    const subscription = transport.subscribe('events');
    await transport.broadcast('events', 'worker.online', message('hello'));
    const iterator = subscription[Symbol.asyncIterator]();
    const first = await iterator.next();
    expect(first.value).toMatchObject({ exchange: 'events', routingKey: 'worker.online' });
    await iterator.return?.();
  });

  test('with leases: a late ack after the lease ran out does nothing; extend() then is refused', async () => {
    vi.useFakeTimers();
    const transport = memoryTransport({ visibilityTimeoutMs: 1_000 });
    await transport.publish(message('leased'), { queue: 'q' });
    const [held] = await take(transport, 'q', 1, { ack: false });
    await vi.advanceTimersByTimeAsync(1_500);
    expect(transport.stats()).toMatchObject({ ready: 1, outstanding: 0 });
    await held!.ack();
    await expect(held!.extend!(1_000)).rejects.toMatchObject({ code: ErrorCodes.BROKER_REFUSED });
    expect(await transport.size('q')).toBe(1);
  });

  test('bad options are refused with TQ_INVALID_CONFIG', async () => {
    expect(() => memoryTransport({ visibilityTimeoutMs: -1 })).toThrow(TqError);
    const transport = memoryTransport();
    await expect(transport.consume(['q'], { prefetch: 0 })[Symbol.asyncIterator]().next()).rejects.toMatchObject({
      code: ErrorCodes.INVALID_CONFIG,
    });
    await expect(transport.consume([])[Symbol.asyncIterator]().next()).rejects.toMatchObject({
      code: ErrorCodes.INVALID_CONFIG,
    });
    await expect(transport.publish(message('m'), { queue: 'q', expiresMs: Number.POSITIVE_INFINITY })).rejects.toMatchObject({
      code: ErrorCodes.INVALID_CONFIG,
    });
  });
});
