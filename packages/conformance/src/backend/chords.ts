import assert from 'node:assert/strict';
import { type ChordPart, type ChordProgress, ErrorCodes, type ResultBackend } from '@tq/core';
import { allOf, lacks, needs } from '../support/cases.js';
import { assertTqError } from '../support/errors.js';
import type { BackendCases } from './cases.js';

function parts(groupId: string, count: number): ChordPart[] {
  return Array.from({ length: count }, (_, index) => ({
    taskId: `${groupId}-part-${index}`,
    index,
    state: 'SUCCESS',
    result: { index, square: index * index, label: `part ${index} ✓` },
  }));
}

/** A deterministic shuffle, so a failure can be reproduced. */
function shuffled<T>(items: readonly T[]): T[] {
  const copy = [...items];
  let seed = 12345;
  for (let i = copy.length - 1; i > 0; i--) {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    const j = seed % (i + 1);
    [copy[i], copy[j]] = [copy[j]!, copy[i]!];
  }
  return copy;
}

function assertCompleteWith(progress: ChordProgress[], expected: ChordPart[], what: string): void {
  const complete = progress.filter((p) => p.complete);
  assert.equal(complete.length, 1, `${what}: exactly one caller sees the chord complete, ${complete.length} did`);
  const done = complete[0] as Extract<ChordProgress, { complete: true }>;
  assert.equal(done.parts.length, expected.length, `${what}: the completing caller gets every part`);
  assert.deepStrictEqual(
    done.parts.map((part) => part.index),
    expected.map((part) => part.index),
    `${what}: parts ordered by index`,
  );
  assert.deepStrictEqual(done.parts, expected, `${what}: each part's taskId, state and result intact`);
}

async function race(backends: ResultBackend[], groupId: string, all: ChordPart[], size?: number): Promise<ChordProgress[]> {
  return Promise.all(
    shuffled(all).map((part, i) => backends[i % backends.length]!.chordPartCompleted(groupId, part, size === undefined ? {} : { size })),
  );
}

export function registerChordCases(cases: BackendCases): void {
  cases.add({
    name: 'with setChordSize(n), only the n-th part completes the chord, with every part ordered by index',
    gate: needs('chords'),
    run: async (ctx) => {
      const backend = await ctx.backend();
      const groupId = ctx.groupId();
      const all = parts(groupId, 5);
      await backend.setChordSize(groupId, all.length);
      const progress: ChordProgress[] = [];
      for (const part of [all[4]!, all[2]!, all[0]!, all[3]!, all[1]!]) {
        const step = await backend.chordPartCompleted(groupId, part);
        progress.push(step);
        if (progress.length < all.length) assert.equal(step.complete, false, `part ${progress.length} of ${all.length} does not complete the chord`);
      }
      assertCompleteWith(progress, all, 'sequential parts');
    },
  });

  cases.add({
    name: 'the chord size can come with each part instead of setChordSize()',
    gate: needs('chords'),
    run: async (ctx) => {
      const backend = await ctx.backend();
      const groupId = ctx.groupId();
      const all = parts(groupId, 3);
      const progress: ChordProgress[] = [];
      for (const part of all) progress.push(await backend.chordPartCompleted(groupId, part, { size: all.length }));
      assert.deepStrictEqual(progress.map((p) => p.complete), [false, false, true]);
      assertCompleteWith(progress, all, 'parts with size');
    },
  });

  cases.add({
    name: '200 parts racing concurrently: exactly one caller sees the chord complete, with all parts in order',
    gate: needs('chords'),
    run: async (ctx) => {
      const backend = await ctx.backend();
      const groupId = ctx.groupId();
      const all = parts(groupId, 200);
      await backend.setChordSize(groupId, all.length);
      assertCompleteWith(await race([backend], groupId, all), all, '200 concurrent parts');
    },
  });

  cases.add({
    name: '200 parts racing through four instances complete the chord exactly once',
    gate: allOf(needs('chords'), needs('shared')),
    run: async (ctx) => {
      const backends = [await ctx.backend(), await ctx.backend(), await ctx.backend(), await ctx.backend()];
      const groupId = ctx.groupId();
      const all = parts(groupId, 200);
      await backends[0]!.setChordSize(groupId, all.length);
      assertCompleteWith(await race(backends, groupId, all), all, '200 parts over four instances');
    },
  });

  cases.add({
    name: 'failed parts are kept with their state and encoded exception',
    gate: needs('chords'),
    run: async (ctx) => {
      const backend = await ctx.backend();
      const groupId = ctx.groupId();
      const all = parts(groupId, 3);
      all[1] = { ...all[1]!, state: 'FAILURE', result: { exc_type: 'ValueError', exc_message: ['nope'], exc_module: 'builtins' } };
      const progress: ChordProgress[] = [];
      for (const part of all) progress.push(await backend.chordPartCompleted(groupId, part, { size: all.length }));
      assertCompleteWith(progress, all, 'a chord with a failed part');
    },
  });

  cases.add({
    name: 'a completed chord’s state is removed: its group id can count a new chord from zero',
    gate: needs('chords'),
    run: async (ctx) => {
      const backend = await ctx.backend();
      const groupId = ctx.groupId();
      const first = parts(groupId, 2);
      await backend.setChordSize(groupId, 2);
      for (const part of first) await backend.chordPartCompleted(groupId, part);
      const second = parts(`${groupId}-again`, 3);
      await backend.setChordSize(groupId, 3);
      const progress: ChordProgress[] = [];
      for (const part of second) progress.push(await backend.chordPartCompleted(groupId, part));
      assert.deepStrictEqual(progress.map((p) => p.complete), [false, false, true], 'the new chord counts only its own parts');
      assertCompleteWith(progress, second, 'the second chord');
    },
  });

  cases.add({
    name: 'chordPartCompleted() is refused with TQ_NOT_SUPPORTED',
    gate: lacks('chords'),
    run: async (ctx) => {
      const backend = await ctx.backend();
      const groupId = ctx.groupId();
      await assertTqError(
        'chordPartCompleted() without capabilities.chords',
        () => backend.chordPartCompleted(groupId, parts(groupId, 1)[0]!, { size: 1 }),
        ErrorCodes.NOT_SUPPORTED,
      );
    },
  });
}
