import { describe, expect, test } from 'vitest';
import { Chain, Chord, ErrorCodes, Group, MAX_CANVAS_DEPTH, Signature, signature, States, testMode, TqError } from '@tq/core';
import { capturingApp, newApp } from './helpers.js';

function malformed(run: () => unknown): TqError {
  try {
    run();
  } catch (error) {
    if (TqError.is(error, ErrorCodes.MALFORMED_MESSAGE)) return error;
    throw error;
  }
  throw new Error('expected TQ_MALFORMED_MESSAGE');
}

describe('signatures', () => {
  test('s() keeps partial args; args given later are prepended (Celery: chain results come first)', async () => {
    const { app, messages } = capturingApp();
    const greet = app.task('t.greet', (name: string, punctuation: string) => `hi ${name}${punctuation}`);
    await greet.s('!').delay('ada');
    await greet.si('bob', '?').delay();
    await greet.si('bob', '?').applyAsync(['ignored' as never]);
    expect((await messages()).map((m) => m.args)).toEqual([
      ['ada', '!'],
      ['bob', '?'],
      ['bob', '?'],
    ]);
  });

  test('set() stores Celery option names; freeze() assigns the id up front and keeps it', async () => {
    const { app, messages } = capturingApp();
    const add = app.task('t.add', (x: number, y: number) => x + y);
    const sig = add.s(1, 2).set({ queue: 'celery', countdown: 0, priority: 3, softTimeLimit: 5, taskId: undefined });
    expect(sig.options).toEqual({ queue: 'celery', countdown: 0, priority: 3, soft_time_limit: 5 });
    const frozen = sig.freeze();
    expect(sig.id).toBe(frozen.id);
    expect(sig.freeze().id).toBe(frozen.id);
    const sent = await sig.delay();
    expect(sent.id).toBe(frozen.id);
    const [message] = await messages();
    expect(message!.id).toBe(frozen.id);
    expect(message!.priority).toBe(3);
    expect(message!.timelimit).toEqual([null, 5]);
  });

  test('clone() shares nothing; link/linkError return the linked signature and do not duplicate', () => {
    const app = newApp();
    const add = app.task('t.add', (x: number, y: number) => x + y);
    const original = add.s(1);
    const copy = original.clone([5]);
    copy.set({ queue: 'other' });
    expect(original.args).toEqual([1]);
    expect(copy.args).toEqual([5, 1]);
    expect(original.options).toEqual({});
    const callback = add.s(10);
    expect(original.link(callback)).toBe(callback);
    original.link(callback);
    expect(original.options.link).toHaveLength(1);
    expect(original.onError(add.s(0))).toBe(original);
  });

  test('fromDict rebuilds every kind and round-trips toDict', () => {
    const app = newApp();
    const add = app.task('t.add', (x: number, y: number) => x + y);
    const dict = new Chain(app, [add.s(1, 2), new Group(app, [add.s(1), add.s(2)]), new Chord(app, [add.s(3)], add.s(4))]).toDict();
    const rebuilt = Signature.fromDict(dict, app);
    expect(rebuilt).toBeInstanceOf(Chain);
    expect((rebuilt as Chain).tasks.map((t) => t.constructor.name)).toEqual(['Signature', 'Group', 'Chord']);
    expect(rebuilt.toDict()).toEqual(dict);
  });

  test('fromDict refuses malformed dicts with TQ_MALFORMED_MESSAGE naming the place', () => {
    const app = newApp();
    expect(malformed(() => Signature.fromDict({ task: 'x', subtask_type: 'pipeline' }, app)).message).toMatch(/unknown subtask_type "pipeline"/);
    expect(malformed(() => Signature.fromDict({ task: 3 }, app)).message).toMatch(/signature\.task/);
    expect(malformed(() => Signature.fromDict({ task: 'x', args: 'nope' }, app)).message).toMatch(/"args" must be a list/);
    expect(malformed(() => Signature.fromDict({ task: 'x', options: { link: 'y' } }, app)).message).toMatch(/options\.link/);
    expect(malformed(() => Signature.fromDict({ task: 'celery.chain', subtask_type: 'chain', kwargs: { tasks: 'a' } }, app)).message).toMatch(/kwargs\.tasks/);
    expect(malformed(() => Signature.fromDict({ task: 'celery.chord', subtask_type: 'chord', kwargs: { header: [] } }, app)).message).toMatch(/needs a body/);
    expect(malformed(() => Signature.fromDict(null, app)).message).toMatch(/expected a signature object/);
    const minimal = Signature.fromDict({ task: 'x' }, app).toDict();
    expect(minimal).toEqual({ task: 'x', args: [], kwargs: {}, options: {}, subtask_type: null, immutable: false });
  });

  test(`nesting deeper than ${MAX_CANVAS_DEPTH} levels is refused, from the wire and in code`, async () => {
    const app = newApp();
    let dict: Record<string, unknown> = { task: 'leaf', args: [], kwargs: {}, options: {}, subtask_type: null, immutable: false };
    for (let level = 0; level < MAX_CANVAS_DEPTH + 2; level++) dict = { task: 'x', options: { link: [dict] } };
    expect(malformed(() => Signature.fromDict(dict, app)).message).toMatch(/deeper than 64/);
    let node = signature(app, 'leaf');
    for (let level = 0; level < MAX_CANVAS_DEPTH + 2; level++) {
      const parent = signature(app, 'x');
      parent.link(node);
      node = parent;
    }
    const error = await node.delay().catch((e: unknown) => e);
    expect(TqError.is(error, ErrorCodes.INVALID_CONFIG)).toBe(true);
  });
});

describe('bad canvas input reaching a worker', () => {
  test('a malformed callback is logged and skipped; the task still succeeds and nothing loops', async () => {
    const app = newApp();
    const errors: string[] = [];
    const add = app.task('t.add', (x: number, y: number) => x + y);
    await using tq = await testMode(app, { logger: { debug() {}, info() {}, warn() {}, error: (message) => errors.push(message) } });
    const result = await add.applyAsync([1, 2], {}, { link: [{ task: 42 }, { task: 't.add', subtask_type: 'bogus' }] });
    await tq.runUntilIdle();
    expect(await result.get({ timeout: 5 })).toBe(3);
    expect(errors.filter((message) => message.includes('malformed'))).toHaveLength(2);
  });

  test('a chain step that cannot be sent fails the steps after it instead of leaving them pending', async () => {
    const app = newApp();
    const add = app.task('t.add', (x: number, y: number) => x + y);
    await using tq = await testMode(app);
    const later = add.s(1).freeze();
    const broken = { task: 't.add', args: 'not-a-list', options: { task_id: 'broken-step' } };
    const result = await add.applyAsync([1, 2], {}, { chain: [add.s(1).set({ taskId: later.id }).toDict(), broken] });
    await tq.runUntilIdle();
    expect(await result.get({ timeout: 5 })).toBe(3);
    expect(await app.AsyncResult('broken-step').state()).toBe(States.FAILURE);
    expect(await later.state()).toBe(States.FAILURE);
  });

  test('a callback naming a task nobody defines fails on the worker as an unknown task (NotRegistered)', async () => {
    const app = newApp();
    const add = app.task('t.add', (x: number, y: number) => x + y);
    await using tq = await testMode(app);
    const sig = add.s(1, 1);
    sig.link(signature(app, 'no.such.task'));
    const result = await sig.delay();
    await tq.runUntilIdle();
    expect(await result.get({ timeout: 5 })).toBe(2);
    const [child] = await result.children();
    const meta = await app.requireBackend().get(child!.id);
    expect(meta?.status).toBe(States.FAILURE);
    expect((meta!.result as { exc_type: string }).exc_type).toBe('NotRegistered');
  });
});
