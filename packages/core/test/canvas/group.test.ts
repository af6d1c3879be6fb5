import { describe, expect, test } from 'vitest';
import { type CanvasResult, ErrorCodes, group, GroupResult, States, TaskFailedError, testMode, TqError } from '@tq/core';
import { newApp } from './helpers.js';

describe('group and GroupResult in test mode', () => {
  test('members run in parallel; get/join return results in member order', async () => {
    const app = newApp();
    const slow = app.task('t.slow', async (value: number, delayMs: number) => {
      await new Promise((resolve) => setTimeout(resolve, delayMs));
      return value;
    });
    await using tq = await testMode(app);
    const result = await group([slow.s(1, 30), slow.s(2, 0), slow.s(3, 10)]).delay();
    await tq.runUntilIdle();
    expect(result).toBeInstanceOf(GroupResult);
    expect(result.size).toBe(3);
    expect(await result.get({ timeout: 5 })).toEqual([1, 2, 3]);
    expect(await result.join({ timeout: 5 })).toEqual([1, 2, 3]);
  });

  test('members share the group id, carry their index, and partial args are prepended to each', async () => {
    const app = newApp();
    const seen: Array<[string | null, number | null, number]> = [];
    const add = app.task('t.add', function (x: number, y: number) {
      seen.push([this.request.groupId, this.request.groupIndex, x + y]);
      return x + y;
    });
    await using tq = await testMode(app, { concurrency: 1 });
    const result = await group([add.s(1), add.s(2)]).applyAsync([10]);
    await tq.runUntilIdle();
    expect(await result.get({ timeout: 5 })).toEqual([11, 12]);
    expect(seen.sort((a, b) => a[2] - b[2])).toEqual([
      [result.id, 0, 11],
      [result.id, 1, 12],
    ]);
  });

  test('completedCount, ready, successful, failed, waiting', async () => {
    const app = newApp();
    let release!: () => void;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const ok = app.task('t.ok', async (value: number) => {
      await gate;
      return value;
    });
    const bad = app.task('t.bad', () => {
      throw new TypeError('nope');
    });
    await using tq = await testMode(app);
    const result = await group([ok.s(1), bad.s(), ok.s(3)]).delay();
    expect(await result.ready()).toBe(false);
    expect(await result.waiting()).toBe(true);
    release();
    await tq.runUntilIdle();
    expect(await result.ready()).toBe(true);
    expect(await result.completedCount()).toBe(2);
    expect(await result.successful()).toBe(false);
    expect(await result.failed()).toBe(true);
    await expect(result.get({ timeout: 5 })).rejects.toBeInstanceOf(TaskFailedError);
    const values = await result.get({ timeout: 5, propagate: false });
    expect(values[0]).toBe(1);
    expect((values[1] as { exc_type: string }).exc_type).toBe('TypeError');
  });

  test('save and restore: another handle rebuilds the group from the backend', async () => {
    const app = newApp();
    const ok = app.task('t.ok', (value: number) => value * 2);
    await using tq = await testMode(app);
    const result = await group([ok.s(1), ok.s(2)]).delay();
    await result.save();
    await tq.runUntilIdle();
    const restored = await GroupResult.restore<number[]>(app, result.id);
    expect(restored?.results.map((r) => r.id)).toEqual(result.results.map((r) => r.id));
    expect(await restored!.get({ timeout: 5 })).toEqual([2, 4]);
    expect(await GroupResult.restore(app, 'no-such-group')).toBeUndefined();
    await restored!.forget();
    expect(await GroupResult.restore(app, result.id)).toBeUndefined();
  });

  test('revoke marks members that have not finished as REVOKED and leaves finished ones alone', async () => {
    const app = newApp();
    const ok = app.task('t.ok', (value: number) => value);
    await using tq = await testMode(app);
    const done = await ok.delay(1);
    await tq.runUntilIdle();
    const frozen = group([ok.s(2), ok.s(3)]).freeze();
    const handle = new GroupResult(frozen.id, [done as never, ...frozen.results], app);
    const revoked = await handle.revoke();
    expect(revoked).toEqual(frozen.results.map((r) => r.id));
    expect(await (frozen.results[0] as CanvasResult).state()).toBe(States.REVOKED);
    expect(await done.state()).toBe(States.SUCCESS);
  });

  test('a group cannot be linked (use a chord) and timeouts are TQ_TIMEOUT', async () => {
    const app = newApp();
    const ok = app.task('t.ok', (value: number) => value);
    await using tq = await testMode(app);
    const error = await group([ok.s(1)]).applyAsync([], {}, { link: ok.s() }).catch((e: unknown) => e);
    expect(TqError.is(error, ErrorCodes.INVALID_CONFIG)).toBe(true);
    const frozen = group([ok.s(1)]).freeze();
    const timeout = await frozen.get({ timeout: 0.05 }).catch((e: unknown) => e);
    expect(TqError.is(timeout, ErrorCodes.TIMEOUT)).toBe(true);
    await tq.runUntilIdle();
  });
});
