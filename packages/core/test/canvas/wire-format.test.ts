import { describe, expect, test } from 'vitest';
import { chain, chord, group } from '@tq/core';
import { capturingApp, celeryCase, celeryWire, shape, wireOf } from './helpers.js';

/**
 * tq's canvas messages against Celery 5.2.6's own (fixtures/celery-5.2-canvas.json): same tasks, args, kwargs,
 * headers that carry the workflow (id, root_id, parent_id, group, group_index) and embed (callbacks, errbacks,
 * chain reversed, chord), with ids compared by their relationships. One deliberate difference: group members
 * carry their group_index (Celery 5.3+ does; 5.2.6 sends null for plain groups and only sets it in chords).
 */
function setup() {
  const { app, messages } = capturingApp();
  const add = app.task('proj.add', (x: number, y: number) => x + y);
  const tsum = app.task('proj.tsum', (values: number[]) => values.reduce((a, b) => a + b, 0));
  const onErr = app.task('proj.on_err', (taskId: string) => taskId);
  return { app, messages, add, tsum, onErr };
}

async function expectSameWire(caseName: string, sent: () => Promise<unknown>, messages: () => Promise<import('@tq/core').TaskMessage[]>, patch?: (expected: any[]) => void) {
  await sent();
  const ours = (await messages()).map(wireOf);
  const theirs = celeryCase(caseName).messages!.map(celeryWire) as any[];
  patch?.(theirs);
  expect(shape(ours)).toEqual(shape(theirs));
}

/** Celery 5.3+ numbers plain group members; 5.2.6 did not. */
function numberGroupMembers(expected: any[]) {
  expected.forEach((message, index) => {
    message.headers.group_index = index;
  });
}

describe('canvas on the wire, as Celery 5.2 sends it', () => {
  test('chain: only the first task is sent; the rest ride in embed.chain, reversed', async () => {
    const { add, messages } = setup();
    await expectSameWire('chain', () => chain(add.s(1, 2), add.s(3), add.si(4, 4)).delay(), messages);
  });

  test('chain with an errback: every step carries it', async () => {
    const { add, onErr, messages } = setup();
    await expectSameWire('chain-link-error', () => chain(add.s(1, 2), add.s(3)).onError(onErr.s()).delay(), messages);
  });

  test('a group followed by a task in a chain becomes a chord, and steps after it extend the chord body', async () => {
    const { add, tsum, messages } = setup();
    await expectSameWire('chain-group-task', () => chain(add.s(1, 1), group([add.s(10), add.s(20)]), tsum.s(), add.s(5)).delay(), messages);
  });

  test('group: one message per member with the group id', async () => {
    const { add, messages } = setup();
    await expectSameWire('group', () => group([add.s(1, 1), add.s(2, 2)]).delay(), messages, numberGroupMembers);
  });

  test('group with partial args: prepended to every member', async () => {
    const { add, messages } = setup();
    await expectSameWire('group-partial', () => group([add.s(1), add.s(2)]).applyAsync([10]), messages, numberGroupMembers);
  });

  test('chord: header tasks carry group, group_index and the frozen body in embed.chord', async () => {
    const { add, tsum, messages } = setup();
    await expectSameWire('chord', () => chord([add.s(1, 1), add.s(2, 2)], tsum.s()).delay(), messages);
  });

  test('chord whose body has an errback', async () => {
    const { add, tsum, onErr, messages } = setup();
    await expectSameWire('chord-errback', () => chord([add.s(1, 1), add.s(2, 2)], tsum.s().onError(onErr.s())).delay(), messages);
  });

  test("chord with a chain in its header: the chain's last step is the chord part", async () => {
    const { add, tsum, messages } = setup();
    await expectSameWire('chord-chain-header', () => chord([chain(add.s(1, 1), add.s(1)), add.s(2, 2)], tsum.s()).delay(), messages);
  });

  test('map, starmap: one celery.map / celery.starmap task with {task, it}', async () => {
    const { add, tsum, messages } = setup();
    await expectSameWire('map', () => tsum.map([[1, 2], [3, 4]]).delay(), messages);
    await expectSameWire('starmap', () => add.starmap([[1, 2], [3, 4]]).delay(), messages);
  });

  test('chunks: a group of celery.starmap tasks', async () => {
    const { add, messages } = setup();
    await expectSameWire('chunks', () => add.chunks([[1, 2], [3, 4], [5, 6]], 2).delay(), messages, numberGroupMembers);
  });

  test('link and link_error on one call become embed.callbacks / errbacks', async () => {
    const { add, onErr, messages } = setup();
    await expectSameWire('link', () => add.s(1, 2).applyAsync(undefined, undefined, { link: add.s(10), linkError: onErr.s() }), messages);
  });

  test("signature dicts match Celery's dict form", () => {
    const { add, tsum } = setup();
    expect(shape(chain(add.s(1, 2), add.s(3)).toDict())).toEqual(shape(celeryCase('dict-chain').dict));
    expect(shape(group([add.s(1, 2), add.s(3, 4)]).toDict())).toEqual(shape(celeryCase('dict-group').dict));
    expect(shape(chord([add.s(1, 2)], tsum.s()).toDict())).toEqual(shape(celeryCase('dict-chord').dict));
    expect(shape(tsum.map([[1, 2]]).toDict())).toEqual(shape(celeryCase('dict-map').dict));
    expect(shape(add.chunks([[1, 2]], 1).toDict())).toEqual(shape(celeryCase('dict-chunks').dict));
    expect(shape(add.s(1).set({ queue: 'q', countdown: 3 }).toDict())).toEqual(shape(celeryCase('dict-signature').dict));
  });
});
