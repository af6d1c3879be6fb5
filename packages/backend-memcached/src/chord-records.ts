import type { ChordPart, ResultMeta } from '@tq/core';
import { READY_STATES } from '@tq/core';
import type { KeyScheme } from './keys.js';
import type { MemcachedConnection } from './memcached-connection.js';
import type { ValueCodec } from './value-codec.js';

export interface ChordContext {
  connection: MemcachedConnection;
  codec: ValueCodec;
  keys: KeyScheme;
}

/**
 * tq's record of one finished part, under `chord-unlock-<gid>.part.<index>`. `count` is what the part's increment
 * of the counter returned, written after the increment: a redelivered part that finds it does not count again.
 * `null` means the increment may or may not have happened (the first attempt stopped in between).
 */
export interface PartRecord {
  task_id: string;
  index: number;
  state: string;
  result: unknown;
  count: number | null;
}

export async function readPartRecord(
  context: ChordContext,
  groupId: string,
  index: number,
  signal?: AbortSignal,
): Promise<PartRecord | undefined> {
  const key = context.keys.chordPart(groupId, index);
  const stored = await context.connection.get(key, signal);
  return stored === undefined ? undefined : (context.codec.decode(stored, key) as PartRecord);
}

export async function writePartRecord(
  context: ChordContext,
  groupId: string,
  record: PartRecord,
  exptime: number,
  signal?: AbortSignal,
): Promise<void> {
  const { connection, codec, keys } = context;
  await connection.set(keys.chordPart(groupId, record.index), codec.encode(record), codec.flags, exptime, signal);
}

/**
 * The header's task ids in order, from the group Celery saves when it applies a chord on its cache backend
 * (`celery-taskset-meta-<gid>`, `{"result": [[gid, parent], [[[child_id, parent], null], ...]]}`); tq saves the
 * same when it applies one. undefined when no group is saved.
 */
export async function savedHeaderIds(
  context: ChordContext,
  groupId: string,
  signal?: AbortSignal,
): Promise<(string | undefined)[] | undefined> {
  const key = context.keys.group(groupId);
  const stored = await context.connection.get(key, signal);
  if (stored === undefined) return undefined;
  const tuple = (context.codec.decode(stored, key) as { result?: unknown } | null)?.result;
  const children = Array.isArray(tuple) ? tuple[1] : undefined;
  if (!Array.isArray(children)) return [];
  return children.map((child) => {
    const id = Array.isArray(child) && Array.isArray(child[0]) ? child[0][0] : undefined;
    return typeof id === 'string' ? id : undefined;
  });
}

/**
 * Every part that has finished, by index: tq's own record, else (a header task run by a Celery worker, which
 * stores its result before it counts) the ready `celery-task-meta-<id>` of the task the saved group names at
 * that index. A slot is undefined while its part is not finished or not known.
 */
export async function finishedParts(
  context: ChordContext,
  groupId: string,
  total: number,
  headerIds: (string | undefined)[] | undefined,
  signal?: AbortSignal,
): Promise<(ChordPart | undefined)[]> {
  const indexes = Array.from({ length: total }, (_, index) => index);
  return Promise.all(
    indexes.map(async (index): Promise<ChordPart | undefined> => {
      const record = await readPartRecord(context, groupId, index, signal);
      if (record) return { taskId: record.task_id, index, state: record.state, result: record.result };
      const taskId = headerIds?.[index];
      if (taskId === undefined) return undefined;
      const key = context.keys.task(taskId);
      const stored = await context.connection.get(key, signal);
      if (stored === undefined) return undefined;
      const meta = context.codec.decode(stored, key) as ResultMeta;
      return READY_STATES.has(meta.status) ? { taskId, index, state: meta.status, result: meta.result } : undefined;
    }),
  );
}
