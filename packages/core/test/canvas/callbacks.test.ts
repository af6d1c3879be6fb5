import { describe, expect, test } from 'vitest';
import { type CanvasResult, group, type ErrbackRequest, States, type TaskFailedError, testMode } from '@tq/core';
import { newApp } from './helpers.js';

describe('link and linkError in test mode', () => {
  test('a callback gets the result prepended to its partial args; several callbacks all run', async () => {
    const app = newApp();
    const got: Array<[string, number]> = [];
    const add = app.task('t.add', (x: number, y: number) => x + y);
    const note = app.task('t.note', (value: number, label: string) => {
      got.push([label, value]);
    });
    await using tq = await testMode(app);
    const sig = add.s(2, 3);
    sig.link(note.s('first'));
    sig.link(note.s('second'));
    const result = await sig.delay();
    await tq.runUntilIdle();
    expect(await result.get({ timeout: 5 })).toBe(5);
    expect(got.sort()).toEqual([
      ['first', 5],
      ['second', 5],
    ]);
    expect((await result.children()).length).toBe(2);
  });

  test('a group as callback gets the result in every member', async () => {
    const app = newApp();
    const add = app.task('t.add', (x: number, y: number) => x + y);
    await using tq = await testMode(app);
    const sig = add.s(1, 1);
    sig.link(group([add.s(10), add.s(20)]));
    const result = await sig.delay();
    await tq.runUntilIdle();
    const children = (await result.children()) as CanvasResult<number>[];
    expect(await Promise.all(children.map((child) => child.get({ timeout: 5 })))).toEqual([12, 22]);
  });

  test('an old-style errback (one parameter) is sent as a task with the failed task id', async () => {
    const app = newApp();
    const seen: Array<[string, string | null]> = [];
    const boom = app.task('t.boom', () => {
      throw new Error('kaput');
    });
    const onErr = app.task('t.on_err', function (taskId: string) {
      seen.push([taskId, this.request.parentId]);
    });
    await using tq = await testMode(app);
    const result = await boom.s().onError(onErr.s()).delay();
    await tq.runUntilIdle();
    expect(await result.state()).toBe(States.FAILURE);
    expect(seen).toEqual([[result.id, result.id]]);
  });

  test('a new-style errback (request, exc, traceback) is called inline in the failing worker', async () => {
    const app = newApp();
    const calls: Array<{ request: ErrbackRequest; error: unknown; traceback: string | null; extra: string }> = [];
    let sentAsTask = false;
    const boom = app.task('t.boom', (_x: number) => {
      throw new RangeError('out of range');
    });
    const onErr = app.task('t.on_err_new', function (request: ErrbackRequest, error: unknown, traceback: string | null, extra: string) {
      if (this.request.id !== request.id) sentAsTask = true;
      calls.push({ request, error, traceback, extra });
    });
    await using tq = await testMode(app);
    const result = await boom.s(7).onError(onErr.s('tag')).delay();
    await tq.runUntilIdle();
    expect(await result.state()).toBe(States.FAILURE);
    expect(sentAsTask).toBe(false);
    expect(calls).toHaveLength(1);
    expect(calls[0]!.request.id).toBe(result.id);
    expect(calls[0]!.request.args).toEqual([7]);
    expect(calls[0]!.error).toBeInstanceOf(RangeError);
    expect(calls[0]!.traceback).toMatch(/RangeError: out of range/);
    expect(calls[0]!.extra).toBe('tag');
  });

  test('an errback that throws is its own failure: logged, no loop, the task keeps its own failure', async () => {
    const app = newApp();
    let inline = 0;
    let sent = 0;
    const boom = app.task('t.boom', () => {
      throw new Error('first failure');
    });
    const badInline = app.task('t.bad_inline', (_request: unknown, _error: unknown) => {
      inline++;
      throw new Error('errback broke');
    });
    const badSent = app.task('t.bad_sent', (_taskId: string) => {
      sent++;
      throw new Error('errback task broke');
    });
    await using tq = await testMode(app);
    const errSig = badSent.s();
    errSig.linkError(badSent.s());
    const result = await boom.s().onError(badInline.s()).onError(errSig).delay();
    await tq.runUntilIdle();
    const error = (await result.get({ timeout: 5 }).catch((e: unknown) => e)) as TaskFailedError;
    expect(error.excMessage).toEqual(['first failure']);
    expect(inline).toBe(1);
    // The sent errback fails, and its own errback (a copy of itself) runs once more; then the tree ends.
    expect(sent).toBe(2);
  });

  test('a callback that fails does not change the parent result', async () => {
    const app = newApp();
    const add = app.task('t.add', (x: number, y: number) => x + y);
    const broken = app.task('t.broken', (_value: number) => {
      throw new Error('callback broke');
    });
    await using tq = await testMode(app);
    const sig = add.s(1, 2);
    sig.link(broken.s());
    const result = await sig.delay();
    await tq.runUntilIdle();
    expect(await result.get({ timeout: 5 })).toBe(3);
    const [child] = (await result.children()) as CanvasResult[];
    expect(await child!.state()).toBe(States.FAILURE);
  });
});
