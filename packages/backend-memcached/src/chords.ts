import type { ChordPart, ChordProgress } from '@tq/core';
import { ErrorCodes, sleep, TqError } from '@tq/core';
import {
  type ChordContext,
  finishedParts,
  type PartRecord,
  readPartRecord,
  savedHeaderIds,
  writePartRecord,
} from './chord-records.js';
import { Flags } from './value-codec.js';

export type { ChordContext } from './chord-records.js';

/** How long a parts-missing completer waits, and how it polls meanwhile. */
export interface ChordJoinOptions {
  joinTimeoutMs: number;
  pollMinMs: number;
  pollMaxMs: number;
}

/** How long the "completed" marker outlives a chord stored without expiry. */
const TOMBSTONE_SECONDS = 86_400;

/** What Celery's join raises when a header result is not ready in time (`result_chord_join_timeout`). */
const JOIN_TIMEOUT = {
  exc_type: 'TimeoutError',
  exc_module: 'celery.exceptions',
  exc_message: ['The operation timed out.'],
};

/**
 * Opens a chord as Celery's cache backend does in `_apply_chord_incr`: `chord-unlock-<gid>` set to 0 (python-memcached
 * stores that as "0" flagged INTEGER, and so do we). The header group itself is saved by the caller (Celery workers
 * restore it to find the chord's size and results). The size is also kept as tq's own `.size`.
 */
export async function setChordSize(
  context: ChordContext,
  groupId: string,
  size: number,
  exptime: number,
  signal?: AbortSignal,
): Promise<void> {
  const { connection, keys } = context;
  await Promise.all([
    connection.set(keys.chordCounter(groupId), Buffer.from('0'), Flags.INTEGER, exptime, signal),
    connection.set(keys.chordSize(groupId), Buffer.from(String(size)), Flags.INTEGER, exptime, signal),
    connection.delete(keys.chordDone(groupId), signal),
  ]);
}

/**
 * Records a finished header task and tells whether this caller completes the chord, by Celery's cache-backend rule
 * so that Celery workers running other parts of the same chord agree on who completes it: every part increments
 * `chord-unlock-<gid>`, and the part whose increment returns exactly the size completes the chord (Celery's
 * `on_chord_part_return`). The counter only passes through the size once, so at most one caller is chosen.
 *
 * A part counted twice breaks that rule (Celery then completes early and joins, or warns and never completes), so
 * tq keeps its own counts idempotent: each part writes its record (`.part.<i>`), counts, then writes the count into
 * the record; a redelivered part that finds its count reuses it instead of counting again. Only a part stopped
 * between its increment and that second write is ambiguous: counting again cannot be avoided, so an ambiguous
 * recount that passes the size also completes the chord when every part is present (the lost first attempt may
 * have been the chosen one). With tq parts only, that is still exactly once, because every tq completer first
 * claims `.done` with `add`, which one caller wins. With a Celery worker holding the exact count at the same time
 * it could complete twice: Celery does not claim `.done`. That needs a tq worker to die inside that window.
 *
 * The chosen caller returns every part in order (tq's records, else a Celery worker's stored meta named by the
 * saved group). If a part is missing (an earlier double count chose it too early) it waits for it like Celery's
 * join, up to `joinTimeoutMs` (Celery's `result_chord_join_timeout`), then completes with that part failed by
 * Celery's TimeoutError, so the chord fails with a ChordError instead of waiting forever.
 */
export async function chordPartCompleted(
  context: ChordContext,
  join: ChordJoinOptions,
  groupId: string,
  part: ChordPart,
  size: number | undefined,
  exptime: number,
  signal?: AbortSignal,
): Promise<ChordProgress> {
  const { connection, keys } = context;
  if (await connection.get(keys.chordDone(groupId), signal)) return { complete: false };
  const headerIds = size === undefined ? await savedHeaderIds(context, groupId, signal) : undefined;
  const total = size ?? (await readSize(context, groupId, signal)) ?? headerIds?.length;
  if (total === undefined || total === 0) {
    throw new TqError(
      ErrorCodes.INVALID_CONFIG,
      `memcached: chord ${groupId} has no size: call setChordSize or pass size`,
      {
        details: { groupId },
      },
    );
  }
  if (!Number.isInteger(part.index) || part.index < 0 || part.index >= total) {
    throw new TqError(
      ErrorCodes.INVALID_CONFIG,
      `memcached: chord part index ${part.index} is outside 0..${total - 1}`,
      {
        details: { groupId, index: part.index, size: total },
      },
    );
  }
  const { count, ambiguous } = await countOnce(context, groupId, part, exptime, signal);
  if (count < total) {
    // As Celery does: keep the counter alive while parts keep coming.
    if (exptime !== 0) await connection.touch(keys.chordCounter(groupId), exptime, signal);
    return { complete: false };
  }
  if (count > total && !ambiguous) return { complete: false }; // the caller whose count was exactly the size completes
  const ids = headerIds ?? (await savedHeaderIds(context, groupId, signal));
  const parts =
    count === total
      ? await joinParts(context, join, groupId, total, ids, signal)
      : await finishedParts(context, groupId, total, ids, signal);
  if (parts.some((found) => found === undefined)) return { complete: false }; // an ambiguous recount, not all present
  const marker = exptime === 0 ? TOMBSTONE_SECONDS : exptime;
  if (!(await connection.add(keys.chordDone(groupId), Buffer.from('1'), Flags.INTEGER, marker, signal))) {
    return { complete: false };
  }
  await removeChordState(context, groupId, total);
  return { complete: true, parts: parts as ChordPart[] };
}

/** The part's count on `chord-unlock-<gid>`, taken once per part even when the part is delivered again. */
async function countOnce(
  context: ChordContext,
  groupId: string,
  part: ChordPart,
  exptime: number,
  signal?: AbortSignal,
): Promise<{ count: number; ambiguous: boolean }> {
  const previous = await readPartRecord(context, groupId, part.index, signal);
  const ours = previous?.task_id === part.taskId;
  if (ours && typeof previous.count === 'number') return { count: previous.count, ambiguous: false };
  const record: PartRecord = {
    task_id: part.taskId,
    index: part.index,
    state: part.state,
    result: part.result,
    count: null,
  };
  // The record goes first: whoever completes the chord may read it as soon as the count is taken.
  await writePartRecord(context, groupId, record, exptime, signal);
  // A missing counter is created: parts may bring the size without setChordSize (the ResultBackend contract).
  const count = await context.connection.increment(context.keys.chordCounter(groupId), 1, 1, exptime, signal);
  await writePartRecord(context, groupId, { ...record, count }, exptime, signal);
  return { count, ambiguous: ours };
}

/** Every part in order, waiting (polling with backoff) for missing ones up to the join timeout. */
async function joinParts(
  context: ChordContext,
  join: ChordJoinOptions,
  groupId: string,
  total: number,
  headerIds: (string | undefined)[] | undefined,
  signal?: AbortSignal,
): Promise<ChordPart[]> {
  const deadline = Date.now() + join.joinTimeoutMs;
  const stop = signal ?? new AbortController().signal;
  let delay = join.pollMinMs;
  for (;;) {
    const parts = await finishedParts(context, groupId, total, headerIds, signal);
    const now = Date.now();
    if (parts.every((found) => found !== undefined)) return parts as ChordPart[];
    if (now >= deadline) {
      return parts.map(
        (found, index) =>
          found ?? {
            taskId: headerIds?.[index] ?? `${groupId}[${index}]`,
            index,
            state: 'FAILURE',
            result: JOIN_TIMEOUT,
          },
      );
    }
    await sleep(Math.min(delay, deadline - now), stop);
    delay = Math.min(join.pollMaxMs, Math.ceil(delay * 1.5));
  }
}

async function readSize(context: ChordContext, groupId: string, signal?: AbortSignal): Promise<number | undefined> {
  const stored = await context.connection.get(context.keys.chordSize(groupId), signal);
  if (!stored) return undefined;
  const size = Number(stored.value.toString('ascii'));
  return Number.isInteger(size) && size >= 0 ? size : undefined;
}

/**
 * After completion, tq's own keys go. The counter stays until it expires, so a late part from a Celery worker
 * only sees it past the size (Celery logs "incremented too many times") instead of failing on a missing counter;
 * the saved group stays too (Celery would delete it, and a late Celery part would then mark the body failed).
 */
async function removeChordState(context: ChordContext, groupId: string, total: number): Promise<void> {
  const { connection, keys } = context;
  const doomed = [keys.chordSize(groupId)];
  for (let index = 0; index < total; index++) doomed.push(keys.chordPart(groupId, index));
  // Best effort: the values expire anyway, and the completion is already decided.
  await Promise.allSettled(doomed.map((key) => connection.delete(key)));
}
