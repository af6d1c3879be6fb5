import type { ChordPart, ChordProgress, ResultMeta } from '@tq/core';
import { ErrorCodes, READY_STATES, TqError } from '@tq/core';
import type { KeyScheme } from './keys.js';
import type { MemcachedConnection } from './memcached-connection.js';
import { Flags, type ValueCodec } from './value-codec.js';

export interface ChordContext {
  connection: MemcachedConnection;
  codec: ValueCodec;
  keys: KeyScheme;
}

/** How long the "completed" marker outlives a chord stored without expiry. */
const TOMBSTONE_SECONDS = 86_400;

interface StoredPart {
  task_id: string;
  index: number;
  state: string;
  result: unknown;
}

/**
 * Celery's counter starts at 0 (its cache backend does `set(chord-unlock-<gid>, 0)`; python-memcached stores that
 * as "0" flagged INTEGER, and so do we). The size is kept next to it for parts that do not carry it.
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
 * Records a finished header task and tells whether the chord is complete, as Celery does it on memcached: each
 * part increments `chord-unlock-<gid>` and the chord may be complete once the count reaches the size. On top of
 * that, and because delivery is at-least-once (a part may run twice and count twice):
 * - each part is stored under its index before counting, so the completer returns every part in order;
 * - "complete" needs every index present, not just the count, so an early double count only delays completion to
 *   the real last part (whose count then passes the size);
 * - the completer claims the chord with `add(chord-unlock-<gid>.done)`, which exactly one caller can win, so no
 *   race or redelivery completes a chord twice. The marker stays until it expires; parts arriving after it are
 *   ignored.
 * A part missing under its index (a header task run by a Python worker) is read from Celery's own records: the
 * saved group (`celery-taskset-meta-<gid>`) gives the task id at that index, its `celery-task-meta-<id>` the result.
 */
export async function chordPartCompleted(
  context: ChordContext,
  groupId: string,
  part: ChordPart,
  size: number | undefined,
  exptime: number,
  signal?: AbortSignal,
): Promise<ChordProgress> {
  const { connection, codec, keys } = context;
  if (await connection.get(keys.chordDone(groupId), signal)) return { complete: false };
  const total = size ?? (await readSize(context, groupId, signal));
  if (total === undefined) {
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
  const stored: StoredPart = { task_id: part.taskId, index: part.index, state: part.state, result: part.result };
  await connection.set(keys.chordPart(groupId, part.index), codec.encode(stored), codec.flags, exptime, signal);
  const count = await connection.increment(keys.chordCounter(groupId), 1, 1, exptime, signal);
  if (count < total) {
    // As Celery does: keep the counter alive while parts keep coming.
    if (exptime !== 0) await connection.touch(keys.chordCounter(groupId), exptime, signal);
    return { complete: false };
  }
  const parts = await readParts(context, groupId, total, signal);
  if (parts === undefined) return { complete: false };
  const marker = exptime === 0 ? TOMBSTONE_SECONDS : exptime;
  if (!(await connection.add(keys.chordDone(groupId), Buffer.from('1'), Flags.INTEGER, marker, signal)))
    return { complete: false };
  await removeChordState(context, groupId, total);
  return { complete: true, parts };
}

async function readSize(context: ChordContext, groupId: string, signal?: AbortSignal): Promise<number | undefined> {
  const stored = await context.connection.get(context.keys.chordSize(groupId), signal);
  if (!stored) return undefined;
  const size = Number(stored.value.toString('ascii'));
  return Number.isInteger(size) && size >= 0 ? size : undefined;
}

async function readParts(
  context: ChordContext,
  groupId: string,
  total: number,
  signal?: AbortSignal,
): Promise<ChordPart[] | undefined> {
  const { connection, codec, keys } = context;
  const indexes = Array.from({ length: total }, (_, index) => index);
  const stored = await Promise.all(indexes.map((index) => connection.get(keys.chordPart(groupId, index), signal)));
  const parts: (ChordPart | undefined)[] = stored.map((value, index) => {
    if (!value) return undefined;
    const part = codec.decode(value, keys.chordPart(groupId, index)) as StoredPart;
    return { taskId: part.task_id, index, state: part.state, result: part.result };
  });
  if (parts.some((part) => part === undefined)) {
    const recovered = await partsFromCelery(context, groupId, parts, signal);
    if (recovered === undefined) return undefined;
    return recovered;
  }
  return parts as ChordPart[];
}

async function partsFromCelery(
  context: ChordContext,
  groupId: string,
  parts: (ChordPart | undefined)[],
  signal?: AbortSignal,
): Promise<ChordPart[] | undefined> {
  const { connection, codec, keys } = context;
  const group = await connection.get(keys.group(groupId), signal);
  if (!group) return undefined;
  const childIds = childTaskIds(codec.decode(group, keys.group(groupId)));
  const filled: ChordPart[] = [];
  for (const [index, part] of parts.entries()) {
    if (part) {
      filled.push(part);
      continue;
    }
    const taskId = childIds[index];
    if (taskId === undefined) return undefined;
    const stored = await connection.get(keys.task(taskId), signal);
    if (!stored) return undefined;
    const meta = codec.decode(stored, keys.task(taskId)) as ResultMeta;
    if (!READY_STATES.has(meta.status)) return undefined;
    filled.push({ taskId, index, state: meta.status, result: meta.result });
  }
  return filled;
}

/** Celery saves a group as `{"result": [[gid, parent], [[[child_id, parent], null], ...]]}`. */
function childTaskIds(saved: unknown): (string | undefined)[] {
  const tuple = (saved as { result?: unknown } | null)?.result;
  const children = Array.isArray(tuple) ? tuple[1] : undefined;
  if (!Array.isArray(children)) return [];
  return children.map((child) => {
    const id = Array.isArray(child) && Array.isArray(child[0]) ? child[0][0] : undefined;
    return typeof id === 'string' ? id : undefined;
  });
}

async function removeChordState(context: ChordContext, groupId: string, total: number): Promise<void> {
  const { connection, keys } = context;
  const doomed = [keys.chordCounter(groupId), keys.chordSize(groupId)];
  for (let index = 0; index < total; index++) doomed.push(keys.chordPart(groupId, index));
  // Best effort: the values expire anyway, and the completion is already decided.
  await Promise.allSettled(doomed.map((key) => connection.delete(key)));
}
