import { describe, expect, test } from 'vitest';
import { CHUNKS_TASK, GroupResult, MAP_TASK, signature, STARMAP_TASK, TaskFailedError, testMode } from '@tq/core';
import { newApp } from './helpers.js';

describe('map, starmap, chunks in test mode', () => {
  test('every app has the built-in celery.map / celery.starmap / celery.chunks tasks', () => {
    const app = newApp();
    for (const name of [MAP_TASK, STARMAP_TASK, CHUNKS_TASK]) expect(app.tasks.has(name)).toBe(true);
  });

  test('map calls the task on each item in one worker task, in order', async () => {
    const app = newApp();
    const ids = new Set<string>();
    const square = app.task('t.square', function (x: number) {
      ids.add(this.request.id);
      return x * x;
    });
    await using tq = await testMode(app);
    const result = await square.map([1, 2, 3, 4]).delay();
    await tq.runUntilIdle();
    expect(await result.get({ timeout: 5 })).toEqual([1, 4, 9, 16]);
    expect([...ids]).toEqual([result.id]);
  });

  test('starmap spreads each item as the argument list; async tasks are awaited one by one', async () => {
    const app = newApp();
    const add = app.task('t.add', async (x: number, y: number) => x + y);
    await using tq = await testMode(app);
    const result = await add.starmap([
      [1, 2],
      [3, 4],
    ]).delay();
    await tq.runUntilIdle();
    expect(await result.get({ timeout: 5 })).toEqual([3, 7]);
  });

  test('chunks sends a group of starmap tasks, n items each', async () => {
    const app = newApp();
    const add = app.task('t.add', (x: number, y: number) => x + y);
    await using tq = await testMode(app);
    const items: [number, number][] = Array.from({ length: 5 }, (_, i) => [i, i]);
    const result = await add.chunks(items, 2).delay();
    await tq.runUntilIdle();
    expect(result).toBeInstanceOf(GroupResult);
    expect(result.size).toBe(3);
    expect(await result.get({ timeout: 5 })).toEqual([[0, 2], [4, 6], [8]]);
    expect(await add.chunks(items, 2).group().delay().then((group) => group.get({ timeout: 5 }).finally(() => tq.runUntilIdle()))).toEqual([
      [0, 2],
      [4, 6],
      [8],
    ]);
  });

  test('a celery.chunks task (as a Python client sends it) splits and sends the group itself', async () => {
    const app = newApp();
    const add = app.task('t.add', (x: number, y: number) => x + y);
    await using tq = await testMode(app);
    const dict = add.chunks([[1, 1], [2, 2], [3, 3]], 2).toDict();
    const sent = await signature(app, CHUNKS_TASK, { kwargs: dict.kwargs }).delay();
    await tq.runUntilIdle();
    const tuple = await sent.get({ timeout: 5 });
    const group = (await import('@tq/core')).resultFromTuple(app, tuple) as GroupResult;
    expect(await group.get({ timeout: 5 })).toEqual([[2, 4], [6]]);
  });

  test('mapping a task this worker does not define fails with TQ_UNKNOWN_TASK', async () => {
    const app = newApp();
    await using tq = await testMode(app);
    const result = await signature(app, MAP_TASK, { kwargs: { task: signature(app, 'nowhere.task').toDict(), it: [1] } }).delay();
    await tq.runUntilIdle();
    const error = (await result.get({ timeout: 5 }).catch((e: unknown) => e)) as TaskFailedError;
    expect(error).toBeInstanceOf(TaskFailedError);
    expect(error.excMessage.join(' ')).toMatch(/nowhere\.task is not registered/);
  });

  test('chunks needs a positive whole n', () => {
    const app = newApp();
    const add = app.task('t.add', (x: number, y: number) => x + y);
    expect(() => add.chunks([[1, 2]], 0)).toThrow(/positive integer/);
  });
});
