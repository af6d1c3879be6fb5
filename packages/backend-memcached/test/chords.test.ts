import { type ChordPart, type ChordProgress, ErrorCodes, TqError } from '@tq/core';
import { afterEach, describe, expect, test } from 'vitest';
import { Backends, memcachedUp, meta, rawClient } from './helpers.js';

const backends = new Backends();
afterEach(() => backends.closeAll());

const part = (groupId: string, index: number, result: unknown = index * 10): ChordPart => ({
  taskId: `${groupId}-t${index}`,
  index,
  state: 'SUCCESS',
  result,
});
const completions = (progress: ChordProgress[]) => progress.filter((step) => step.complete);
const groupTuple = (groupId: string, childIds: string[]) => [[groupId, null], childIds.map((id) => [[id, null], null])];

/** What a Celery worker (or a crashed tq attempt) does to the counter: one increment, nothing else. */
async function rawIncrement(key: string): Promise<number | null> {
  const client = rawClient();
  try {
    return (await client.increment(key, 1, {})).value ?? null;
  } finally {
    client.close();
  }
}

describe.skipIf(!memcachedUp)('memcached chords: Celery’s counter', () => {
  test('setChordSize starts chord-unlock-<gid> at 0 and every part increments it, as Celery’s workers do', async () => {
    const backend = backends.create();
    await backend.setChordSize('cc', 3);
    const counter = `${backends.prefix}chord-unlock-cc`;
    const client = rawClient();
    try {
      expect((await client.get(counter)).value?.toString()).toBe('0');
    } finally {
      client.close();
    }
    await backend.chordPartCompleted('cc', part('cc', 0));
    // A Celery worker finishing a header task of the same chord increments the same counter.
    expect(await rawIncrement(counter)).toBe(2);
  });

  test('setChordSize with the header saves the group as Celery’s cache backend does', async () => {
    const backend = backends.create();
    const result = groupTuple('hg', ['hg-a', 'hg-b']);
    await backend.setChordSize('hg', 2, { header: { group_id: 'hg', result } });
    const client = rawClient();
    try {
      const saved = await client.get(`${backends.prefix}celery-taskset-meta-hg`);
      expect(JSON.parse(saved.value!.toString())).toEqual({ result });
    } finally {
      client.close();
    }
  });

  test('a redelivered part reuses its count: it neither completes the chord early nor twice', async () => {
    const backend = backends.create();
    await backend.setChordSize('dup', 3);
    const progress = [
      await backend.chordPartCompleted('dup', part('dup', 0)),
      await backend.chordPartCompleted('dup', part('dup', 0)), // redelivered: counted once
      await backend.chordPartCompleted('dup', part('dup', 1)),
    ];
    expect(completions(progress)).toHaveLength(0);
    const last = await backend.chordPartCompleted('dup', part('dup', 2)); // the count is exactly 3
    expect(last).toEqual({ complete: true, parts: [part('dup', 0), part('dup', 1), part('dup', 2)] });
    expect(await backend.chordPartCompleted('dup', part('dup', 1))).toEqual({ complete: false }); // after completion
  });

  test('parts racing from many instances with duplicates complete exactly once, in order', async () => {
    const instances = [backends.create(), backends.create(), backends.create(), backends.create(), backends.create()];
    for (let round = 0; round < 5; round++) {
      const groupId = `race${round}`;
      await instances[0]!.setChordSize(groupId, 30);
      const reports = [
        ...Array.from({ length: 30 }, (_, i) => part(groupId, i)),
        part(groupId, 3),
        part(groupId, 17),
        part(groupId, 29),
      ];
      const progress = await Promise.all(
        reports.map((report, i) => instances[i % instances.length]!.chordPartCompleted(groupId, report)),
      );
      const done = completions(progress);
      expect(done).toHaveLength(1);
      expect((done[0] as { parts: ChordPart[] }).parts.map((p) => p.index)).toEqual(
        Array.from({ length: 30 }, (_, i) => i),
      );
    }
  });

  test('after a double count, the part whose count is exactly the size waits for the missing part', async () => {
    const backend = backends.create();
    await backend.setChordSize('early', 3);
    await backend.chordPartCompleted('early', part('early', 0));
    await rawIncrement(`${backends.prefix}chord-unlock-early`); // counted twice somewhere
    const chosen = backend.chordPartCompleted('early', part('early', 1)); // count 3 = size, part 2 missing
    expect(await backend.chordPartCompleted('early', part('early', 2))).toEqual({ complete: false }); // count 4
    expect(await chosen).toEqual({ complete: true, parts: [part('early', 0), part('early', 1), part('early', 2)] });
  });

  test('a missing part that never comes fails the chord with Celery’s join TimeoutError after chordJoinTimeoutMs', async () => {
    const backend = backends.create({ chordJoinTimeoutMs: 200 });
    await backend.setChordSize('late', 2);
    await rawIncrement(`${backends.prefix}chord-unlock-late`);
    const progress = await backend.chordPartCompleted('late', part('late', 0));
    expect(progress).toEqual({
      complete: true,
      parts: [
        part('late', 0),
        {
          taskId: 'late[1]',
          index: 1,
          state: 'FAILURE',
          result: {
            exc_type: 'TimeoutError',
            exc_module: 'celery.exceptions',
            exc_message: ['The operation timed out.'],
          },
        },
      ],
    });
  });

  test('a part whose first attempt stopped after counting counts again and still completes the chord once', async () => {
    const backend = backends.create();
    await backend.setChordSize('lost', 3);
    await backend.chordPartCompleted('lost', part('lost', 0));
    await backend.chordPartCompleted('lost', part('lost', 2));
    // Part 1's first attempt: its record without a count, then its increment (to 3, the size), then it died.
    const client = rawClient();
    try {
      const record = { task_id: 'lost-t1', index: 1, state: 'SUCCESS', result: 10, count: null };
      await client.set(`${backends.prefix}chord-unlock-lost.part.1`, JSON.stringify(record), {});
    } finally {
      client.close();
    }
    expect(await rawIncrement(`${backends.prefix}chord-unlock-lost`)).toBe(3);
    const redelivered = await backend.chordPartCompleted('lost', part('lost', 1)); // counts 4, but it may have been 3
    expect(redelivered).toEqual({ complete: true, parts: [part('lost', 0), part('lost', 1), part('lost', 2)] });
  });

  test('a header task run by a Python worker (no tq part stored) is read from Celery’s group and task metas', async () => {
    const backend = backends.create();
    const groupId = 'mixed';
    await backend.saveGroup(groupId, {
      group_id: groupId,
      result: groupTuple(groupId, ['mixed-t0', 'mixed-py1', 'mixed-t2']),
    });
    await backend.setChordSize(groupId, 3);
    expect(await backend.chordPartCompleted(groupId, part(groupId, 0))).toEqual({ complete: false });
    // What the Python worker does for index 1: store its meta and increment the counter.
    await backend.store('mixed-py1', meta('mixed-py1', 'SUCCESS', 'from python'));
    await rawIncrement(`${backends.prefix}chord-unlock-${groupId}`);
    const last = await backend.chordPartCompleted(groupId, part(groupId, 2));
    expect(last).toEqual({
      complete: true,
      parts: [
        part(groupId, 0),
        { taskId: 'mixed-py1', index: 1, state: 'SUCCESS', result: 'from python' },
        part(groupId, 2),
      ],
    });
    await backend.forget('mixed-py1');
    await backend.forgetGroup(groupId);
  });

  test('a chord applied by Celery (counter and group, no tq size) takes its size from the saved group', async () => {
    const backend = backends.create();
    const groupId = 'celery-applied';
    const client = rawClient();
    try {
      // Celery's _apply_chord_incr: chord-unlock-<gid> = 0, and the header group saved.
      await client.set(`${backends.prefix}chord-unlock-${groupId}`, '0', {});
    } finally {
      client.close();
    }
    await backend.saveGroup(groupId, {
      group_id: groupId,
      result: groupTuple(groupId, [`${groupId}-t0`, `${groupId}-t1`]),
    });
    expect(await backend.chordPartCompleted(groupId, part(groupId, 1))).toEqual({ complete: false });
    expect(await backend.chordPartCompleted(groupId, part(groupId, 0))).toEqual({
      complete: true,
      parts: [part(groupId, 0), part(groupId, 1)],
    });
    await backend.forgetGroup(groupId);
  });

  test('without a size, and with an index outside the chord, parts are refused with TQ_INVALID_CONFIG', async () => {
    const backend = backends.create();
    const codeOf = (promise: Promise<unknown>) =>
      promise.then(
        () => undefined,
        (error) => (TqError.is(error) ? error.code : String(error)),
      );
    expect(await codeOf(backend.chordPartCompleted('nosize', part('nosize', 0)))).toBe(ErrorCodes.INVALID_CONFIG);
    expect(await codeOf(backend.chordPartCompleted('badindex', part('badindex', 5), { size: 3 }))).toBe(
      ErrorCodes.INVALID_CONFIG,
    );
    expect(await codeOf(backend.setChordSize('zero', 0))).toBe(ErrorCodes.INVALID_CONFIG);
  });
});
