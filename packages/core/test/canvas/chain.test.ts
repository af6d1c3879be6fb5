import { describe, expect, test } from 'vitest';
import { type CanvasResult, chain, group, GroupResult, signature, States, TaskFailedError, testMode } from '@tq/core';
import { newApp } from './helpers.js';

describe('chain in test mode', () => {
  test('each step gets the previous result prepended; the handle is the last step, parents lead back', async () => {
    const app = newApp();
    const add = app.task('t.add', (x: number, y: number) => x + y);
    const mul = app.task('t.mul', (x: number, y: number) => x * y);
    await using tq = await testMode(app);
    const result = await chain(add.s(2, 2), mul.s(10), add.s(1)).delay();
    await tq.runUntilIdle();
    expect(await result.get({ timeout: 5 })).toBe(41);
    const parent = result.parent as CanvasResult<number>;
    expect(await parent.get({ timeout: 5 })).toBe(40);
    const root = parent.parent as CanvasResult<number>;
    expect(await root.get({ timeout: 5 })).toBe(4);
    expect(root.parent).toBeUndefined();
  });

  test('an immutable step ignores the previous result', async () => {
    const app = newApp();
    const add = app.task('t.add', (x: number, y: number) => x + y);
    await using tq = await testMode(app);
    const result = await chain(add.s(1, 1), add.si(10, 10), add.s(5)).delay();
    await tq.runUntilIdle();
    expect(await result.get({ timeout: 5 })).toBe(25);
  });

  test('partial args given to the chain go to its first step; ids frozen up front are the ones used', async () => {
    const app = newApp();
    const add = app.task('t.add', (x: number, y: number) => x + y);
    await using tq = await testMode(app);
    const workflow = chain(add.s(1), add.s(100));
    const frozen = workflow.freeze();
    const result = await workflow.delay(5);
    await tq.runUntilIdle();
    expect(result.id).toBe(frozen.id);
    expect(await result.get({ timeout: 5 })).toBe(106);
  });

  test('root_id and parent_id follow the chain; children are recorded on each step', async () => {
    const app = newApp();
    const seen: Array<{ id: string; root: string; parent: string | null }> = [];
    const step = app.task('t.step', function (value: number) {
      seen.push({ id: this.request.id, root: this.request.rootId, parent: this.request.parentId });
      return value + 1;
    });
    await using tq = await testMode(app);
    const result = await chain(step.s(0), step.s(), step.s()).delay();
    await tq.runUntilIdle();
    expect(await result.get({ timeout: 5 })).toBe(3);
    expect(seen.map((s) => s.root)).toEqual([seen[0]!.id, seen[0]!.id, seen[0]!.id]);
    expect(seen.map((s) => s.parent)).toEqual([null, seen[0]!.id, seen[1]!.id]);
    const first = (result.parent as CanvasResult).parent as CanvasResult;
    const children = await first.children();
    expect(children.map((child) => child.id)).toEqual([seen[1]!.id]);
  });

  test('a failing step fails the steps after it (nobody waits forever) and runs the chain errbacks', async () => {
    const app = newApp();
    const calls: string[] = [];
    const add = app.task('t.add', (x: number, y: number) => x + y);
    const boom = app.task('t.boom', (_x: number) => {
      throw new RangeError('no way');
    });
    const onErr = app.task('t.on_err', (taskId: string) => {
      calls.push(taskId);
    });
    await using tq = await testMode(app);
    const result = await chain(add.s(1, 1), boom.s(), add.s(1), add.s(1)).onError(onErr.s()).delay();
    await tq.runUntilIdle();
    const error = await result.get({ timeout: 5 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TaskFailedError);
    expect((error as TaskFailedError).excType).toBe('RangeError');
    expect(await (result.parent as CanvasResult).state()).toBe(States.FAILURE);
    const failedStep = (result.parent as CanvasResult).parent as CanvasResult;
    expect(calls).toEqual([failedStep.id]);
  });

  test('a group followed by a step is a chord; steps after it run on the body result', async () => {
    const app = newApp();
    const add = app.task('t.add', (x: number, y: number) => x + y);
    const tsum = app.task('t.tsum', (values: number[]) => values.reduce((a, b) => a + b, 0));
    await using tq = await testMode(app);
    const result = await chain(add.s(1, 1), group([add.s(10), add.s(20)]), tsum.s(), add.s(5)).delay();
    await tq.runUntilIdle();
    expect(await result.get({ timeout: 5 })).toBe(12 + 22 + 5);
  });

  test('a chain ending in a group resolves to the group result', async () => {
    const app = newApp();
    const add = app.task('t.add', (x: number, y: number) => x + y);
    await using tq = await testMode(app);
    const result = await chain(add.s(1, 1), group([add.s(10), add.s(20)])).delay();
    await tq.runUntilIdle();
    expect(result).toBeInstanceOf(GroupResult);
    expect(await result.get({ timeout: 5 })).toEqual([12, 22]);
  });

  test('a step named by string (a task this process does not define) is sent like any other', async () => {
    const app = newApp();
    const add = app.task('t.add', (x: number, y: number) => x + y);
    app.task('elsewhere.double', (x: number) => x * 2);
    await using tq = await testMode(app);
    const result = await chain(add.s(3, 4), signature<[number], number>(app, 'elsewhere.double')).delay();
    await tq.runUntilIdle();
    expect(await result.get({ timeout: 5 })).toBe(14);
  });
});
