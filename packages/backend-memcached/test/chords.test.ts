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

describe.skipIf(!memcachedUp)('memcached chords: Celery’s counter', () => {
  test('setChordSize starts chord-unlock-<gid> at 0 and every part increments it, as Celery’s workers do', async () => {
    const backend = backends.create();
    const client = rawClient();
    try {
      await backend.setChordSize('cc', 3);
      const counter = `${backends.prefix}chord-unlock-cc`;
      expect((await client.get(counter)).value?.toString()).toBe('0');
      await backend.chordPartCompleted('cc', part('cc', 0));
      // A Celery worker finishing a header task of the same chord increments the same counter.
      const { value } = await client.increment(counter, 1, {});
      expect(value).toBe(2);
      await backend.chordPartCompleted('cc', part('cc', 2));
    } finally {
      client.close();
    }
  });

  test('a part delivered twice before the others does not complete the chord early, nor twice', async () => {
    const backend = backends.create();
    await backend.setChordSize('dup', 3);
    const progress = [
      await backend.chordPartCompleted('dup', part('dup', 0)),
      await backend.chordPartCompleted('dup', part('dup', 0)), // redelivered: the counter says 2, but part 1 is missing
      await backend.chordPartCompleted('dup', part('dup', 1)), // counter 3 = size, but part 2 is missing
    ];
    expect(completions(progress)).toHaveLength(0);
    const last = await backend.chordPartCompleted('dup', part('dup', 2)); // counter 4 > size, every part present
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

  test('a header task run by a Python worker (no tq part stored) is read from Celery’s group and task metas', async () => {
    const backend = backends.create();
    const groupId = 'mixed';
    const childIds = ['mixed-t0', 'mixed-py1', 'mixed-t2'];
    await backend.saveGroup(groupId, {
      group_id: groupId,
      result: [[groupId, null], childIds.map((id) => [[id, null], null])],
    });
    await backend.setChordSize(groupId, 3);
    expect(await backend.chordPartCompleted(groupId, part(groupId, 0))).toEqual({ complete: false });
    // What the Python worker does for index 1: store its meta and increment the counter.
    await backend.store('mixed-py1', meta('mixed-py1', 'SUCCESS', 'from python'));
    const client = rawClient();
    try {
      await client.increment(`${backends.prefix}chord-unlock-${groupId}`, 1, {});
    } finally {
      client.close();
    }
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
