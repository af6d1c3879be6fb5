import { describe, expect, test } from 'vitest';
import {
  type CanvasResult,
  chain,
  ChordError,
  chord,
  ErrorCodes,
  group,
  GroupResult,
  MemoryResultBackend,
  Signature,
  States,
  TaskFailedError,
  testMode,
  TqError,
} from '@tq/core';
import { newApp } from './helpers.js';

describe('chord in test mode', () => {
  test('the body gets the header results in header order, whatever order they finish in', async () => {
    const app = newApp();
    const slow = app.task('t.slow', async (value: number) => {
      await new Promise((resolve) => setTimeout(resolve, (5 - value) * 5));
      return value;
    });
    const collect = app.task('t.collect', (values: number[]) => values);
    await using tq = await testMode(app);
    const result = await chord([slow.s(1), slow.s(2), slow.s(3), slow.s(4)], collect.s()).delay();
    await tq.runUntilIdle();
    expect(await result.get({ timeout: 5 })).toEqual([1, 2, 3, 4]);
    expect(result.parent).toBeInstanceOf(GroupResult);
    expect(await (result.parent as GroupResult).get({ timeout: 5 })).toEqual([1, 2, 3, 4]);
  });

  test('the body runs exactly once for a header of 200 parts', async () => {
    const app = newApp();
    let bodyRuns = 0;
    const one = app.task('t.one', (value: number) => value);
    const total = app.task('t.total', (values: number[]) => {
      bodyRuns++;
      return values.reduce((a, b) => a + b, 0);
    });
    await using tq = await testMode(app, { concurrency: 16 });
    const parts = Array.from({ length: 200 }, (_, index) => one.s(index));
    const result = await chord(parts, total.s()).delay();
    await tq.runUntilIdle({ timeoutMs: 30_000 });
    expect(await result.get({ timeout: 10 })).toBe((199 * 200) / 2);
    expect(bodyRuns).toBe(1);
  });

  test('a failing header task fails the chord: body errbacks get a ChordError naming it, the body is FAILURE', async () => {
    const app = newApp();
    const oldStyle: string[] = [];
    const newStyle: Array<{ requestId: string; error: unknown }> = [];
    let bodyRuns = 0;
    const ok = app.task('t.ok', (value: number) => value);
    const bad = app.task('t.bad', () => {
      throw new TypeError('bad input');
    });
    const total = app.task('t.total', (values: number[]) => {
      bodyRuns++;
      return values.length;
    });
    const onErrOld = app.task('t.on_err_old', (taskId: string) => {
      oldStyle.push(taskId);
    });
    const onErrNew = app.task('t.on_err_new', (request: { id: string }, error: unknown, _traceback: string | null) => {
      newStyle.push({ requestId: request.id, error });
    });
    await using tq = await testMode(app);
    const body = total.s();
    body.linkError(onErrOld.s());
    body.linkError(onErrNew.s());
    const result = await chord([ok.s(1), bad.s(), ok.s(3)], body).delay();
    await tq.runUntilIdle();
    const failedPart = (result.parent as GroupResult).results[1]!.id;
    expect(bodyRuns).toBe(0);
    const error = await result.get({ timeout: 5 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TaskFailedError);
    expect((error as TaskFailedError).excType).toBe('ChordError');
    expect((error as TaskFailedError).excModule).toBe('celery.exceptions');
    expect((error as TaskFailedError).excMessage).toEqual([`Dependency ${failedPart} raised TypeError('bad input')`]);
    expect(oldStyle).toEqual([result.id]);
    expect(newStyle).toHaveLength(1);
    expect(newStyle[0]!.requestId).toBe(result.id);
    expect(newStyle[0]!.error).toBeInstanceOf(ChordError);
    expect((newStyle[0]!.error as ChordError).failedTaskId).toBe(failedPart);
  });

  test('a chord in a chain: a failed part also fails the steps after the body', async () => {
    const app = newApp();
    const ok = app.task('t.ok', (value: number) => value);
    const bad = app.task('t.bad', (_value: number) => {
      throw new Error('part failed');
    });
    const total = app.task('t.total', (values: number[]) => values.length);
    const add = app.task('t.add', (x: number, y: number) => x + y);
    await using tq = await testMode(app);
    const result = await chain(ok.s(1), group([ok.s(), bad.s()]), total.s(), add.s(1)).delay();
    await tq.runUntilIdle();
    expect(await result.state()).toBe(States.FAILURE);
    expect(await (result.parent as CanvasResult).state()).toBe(States.FAILURE);
  });

  test('link given when sending a chord goes to its body', async () => {
    const app = newApp();
    const seen: number[] = [];
    const ok = app.task('t.ok', (value: number) => value);
    const total = app.task('t.total', (values: number[]) => values.reduce((a, b) => a + b, 0));
    const record = app.task('t.record', (value: number) => {
      seen.push(value);
    });
    await using tq = await testMode(app);
    const result = await chord([ok.s(1), ok.s(2)], total.s()).applyAsync(undefined, undefined, { link: record.s() });
    await tq.runUntilIdle();
    expect(await result.get({ timeout: 5 })).toBe(3);
    expect(seen).toEqual([3]);
  });

  test('a chain in the header that fails before its last step still ends the chord', async () => {
    const app = newApp();
    const ok = app.task('t.ok', (value: number) => value);
    const bad = app.task('t.bad', (_value: number) => {
      throw new Error('middle step failed');
    });
    const total = app.task('t.total', (values: number[]) => values.length);
    await using tq = await testMode(app);
    const result = await chord([chain(ok.s(1), bad.s(), ok.s()), ok.s(2)], total.s()).delay();
    await tq.runUntilIdle();
    const error = (await result.get({ timeout: 5 }).catch((e: unknown) => e)) as TaskFailedError;
    expect(error.excType).toBe('ChordError');
    const lastStepOfChain = (result.parent as GroupResult).results[0]!.id;
    expect(error.excMessage[0]).toBe(`Dependency ${lastStepOfChain} raised Error('middle step failed')`);
  });

  test('an empty header runs the body at once with no results', async () => {
    const app = newApp();
    const collect = app.task('t.collect', (values: number[]) => values);
    await using tq = await testMode(app);
    const result = await chord([], collect.s()).delay();
    await tq.runUntilIdle();
    expect(await result.get({ timeout: 5 })).toEqual([]);
  });

  test('revoking an unfinished header ends the chord with a ChordError instead of leaving it waiting', async () => {
    const app = newApp();
    let release!: () => void;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    let bodyRuns = 0;
    const wait = app.task('t.wait', async (value: number) => {
      await gate;
      return value;
    });
    const total = app.task('t.total', (values: number[]) => {
      bodyRuns++;
      return values.length;
    });
    await using tq = await testMode(app);
    const result = await chord([wait.s(1), wait.s(2)], total.s()).delay();
    const header = result.parent as GroupResult;
    expect(await header.revoke()).toEqual(header.results.map((r) => r.id));
    const error = await result.get({ timeout: 5 }).catch((e: unknown) => e);
    expect((error as TaskFailedError).excType).toBe('ChordError');
    release();
    await tq.runUntilIdle();
    expect(bodyRuns).toBe(0);
  });

  test('a header task revoked on the worker counts as failed', async () => {
    const app = newApp();
    const ok = app.task('t.ok', (value: number) => value);
    const total = app.task('t.total', (values: number[]) => values.length);
    await using tq = await testMode(app);
    const workflow = chord([ok.s(1), ok.s(2)], total.s());
    const result = workflow.freeze();
    tq.worker.revoked.add(workflow.header.tasks[1]!.id!);
    await workflow.delay();
    await tq.runUntilIdle();
    expect(((await result.get({ timeout: 5 }).catch((e: unknown) => e)) as TaskFailedError).excType).toBe('ChordError');
  });

  test('a backend without chords refuses them with TQ_NOT_SUPPORTED (as Celery refuses on the RPC backend)', async () => {
    class NoChordsBackend extends MemoryResultBackend {
      override readonly capabilities = Object.freeze({ ...new MemoryResultBackend().capabilities, chords: false });
    }
    const app = newApp();
    const ok = app.task('t.ok', (value: number) => value);
    const total = app.task('t.total', (values: number[]) => values.length);
    app.configure({ backend: new NoChordsBackend() });
    const error = await chord([ok.s(1)], total.s()).delay().catch((e: unknown) => e);
    expect(TqError.is(error, ErrorCodes.NOT_SUPPORTED)).toBe(true);
    const inChain = (() => {
      try {
        chain(ok.s(1), group([ok.s(), ok.s()]), total.s()).freeze();
      } catch (e) {
        return e;
      }
    })();
    expect(TqError.is(inChain, ErrorCodes.NOT_SUPPORTED)).toBe(true);
  });

  test('a declared chord_size that does not match the header is refused', async () => {
    const app = newApp();
    const ok = app.task('t.ok', (value: number) => value);
    const total = app.task('t.total', (values: number[]) => values.length);
    await using tq = await testMode(app);
    const body = total.s();
    body.extras = { chord_size: 5 };
    const error = await chord([ok.s(1), ok.s(2)], body).delay().catch((e: unknown) => e);
    expect(TqError.is(error, ErrorCodes.INVALID_CONFIG)).toBe(true);
    const dict = { ...chord([ok.s(1), ok.s(2)], total.s()).toDict() };
    (dict.kwargs.body as Record<string, unknown>).chord_size = 3;
    expect(() => Signature.fromDict(dict, app)).toThrow(/chord_size 3 but the header has 2 parts/);
    await tq.runUntilIdle();
  });

  test('a header message whose index is outside the declared chord_size fails the chord (it would never complete)', async () => {
    const app = newApp();
    const ok = app.task('t.ok', (value: number) => value);
    const total = app.task('t.total', (values: number[]) => values.length);
    await using tq = await testMode(app);
    const body = total.s();
    body.freeze();
    const bodyDict = { ...body.toDict(), chord_size: 2 };
    await app.requireBackend().setChordSize('g-bad-index', 2);
    await app.publishTask('part-5', ok.name, [1], {}, { groupId: 'g-bad-index', groupIndex: 5, chord: bodyDict });
    await tq.runUntilIdle();
    const error = (await app.AsyncResult(body.id!).get({ timeout: 5 }).catch((e: unknown) => e)) as TaskFailedError;
    expect(error.excType).toBe('ChordError');
    expect(error.excMessage[0]).toMatch(/index 5 outside its declared size 2/);
  });

  test('a body that fails is its own failure; the chord does not run it again', async () => {
    const app = newApp();
    let bodyRuns = 0;
    const ok = app.task('t.ok', (value: number) => value);
    const body = app.task('t.body', (_values: number[]) => {
      bodyRuns++;
      throw new Error('body broke');
    });
    await using tq = await testMode(app);
    const result = await chord([ok.s(1), ok.s(2)], body.s()).delay();
    await tq.runUntilIdle();
    const error = await result.get({ timeout: 5 }).catch((e: unknown) => e);
    expect((error as TaskFailedError).excMessage).toEqual(['body broke']);
    expect(bodyRuns).toBe(1);
  });
});
