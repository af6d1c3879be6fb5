import { describe, expect, test } from 'vitest';
import { createApp, ErrorCodes, memoryBackend, memoryTransport, type PublishItem, testMode, TqError } from '@tq/core';

/** A real in-memory broker that also records how the app published to it. */
function recordingBroker() {
  const transport = memoryTransport();
  const batches: number[] = [];
  const publishBatch = transport.publishBatch.bind(transport);
  transport.publishBatch = async (items: readonly PublishItem[], options) => {
    batches.push(items.length);
    await publishBatch(items, options);
  };
  return { transport, batches };
}

describe('sending many tasks at once', () => {
  test('delayMany sends one message per argument list and every task runs with its own arguments', async () => {
    const app = createApp({ name: 'many', broker: memoryTransport(), backend: memoryBackend() });
    const add = app.task('t.add', (x: number, y: number) => x + y);
    await using tq = await testMode(app);
    const results = await add.delayMany(Array.from({ length: 25 }, (_, i) => [i, 100] as [number, number]));
    expect(new Set(results.map((result) => result.id)).size).toBe(25);
    await tq.runUntilIdle();
    expect(await Promise.all(results.map((result) => result.get({ timeout: 5 })))).toEqual(
      Array.from({ length: 25 }, (_, i) => i + 100),
    );
  });

  test('messages go out through publishBatch, batchSize at a time', async () => {
    const { transport, batches } = recordingBroker();
    const app = createApp({ name: 'many', broker: transport, backend: null });
    const noop = app.task('t.noop', (_i: number) => null);
    await noop.delayMany(Array.from({ length: 7 }, (_, i) => [i] as [number]), { batchSize: 3 });
    expect(batches).toEqual([3, 3, 1]);
    expect(await transport.size('celery')).toBe(7);
    await app.close();
  });

  test('sendTasks honours per-call options: task ids, queues and priorities as given', async () => {
    const transport = memoryTransport();
    const app = createApp({ name: 'many', broker: transport, backend: null });
    const results = await app.sendTasks([
      { name: 't.a', args: [1], options: { taskId: 'id-a', queue: 'qa' } },
      { name: 't.b', kwargs: { x: 2 }, options: { taskId: 'id-b', queue: 'qb', priority: 7 } },
    ]);
    expect(results.map((result) => result.id)).toEqual(['id-a', 'id-b']);
    expect(await transport.size('qa')).toBe(1);
    expect(await transport.size('qb')).toBe(1);
    const [delivery] = await take(transport, 'qb');
    expect(delivery?.message.headers).toMatchObject({ id: 'id-b', task: 't.b' });
    expect(delivery?.message.properties.priority).toBe(7);
    await app.close();
  });

  test('a call that cannot be planned rejects with a typed error and nothing of its batch is published', async () => {
    const { transport, batches } = recordingBroker();
    const app = createApp({ name: 'many', broker: transport, backend: null });
    const sending = app.sendTasks([
      { name: 't.ok', args: [1] },
      { name: 't.bad', options: { eta: 'not a date' } },
    ]);
    await expect(sending).rejects.toSatisfy((error) => TqError.is(error, ErrorCodes.INVALID_CONFIG));
    expect(batches).toEqual([]);
    expect(await transport.size('celery')).toBe(0);
    await app.close();
  });

  test('a nameless call and a batchSize that is not a positive integer are refused', async () => {
    const app = createApp({ name: 'many', broker: memoryTransport(), backend: null });
    await expect(app.sendTasks([{ name: '' }])).rejects.toSatisfy((error) => TqError.is(error, ErrorCodes.INVALID_CONFIG));
    await expect(app.sendTasks([], { batchSize: 0 })).rejects.toSatisfy((error) => TqError.is(error, ErrorCodes.INVALID_CONFIG));
    await app.close();
  });
});

async function take(transport: ReturnType<typeof memoryTransport>, queue: string) {
  const iterator = transport.consume([queue])[Symbol.asyncIterator]();
  const next = await iterator.next();
  await iterator.return?.();
  return [next.value as { message: { headers: Record<string, unknown>; properties: { priority?: number } } }];
}
