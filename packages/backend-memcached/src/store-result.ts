import type { ResultMeta } from '@tq/core';
import { ErrorCodes, States, TqError } from '@tq/core';
import type { MemcachedConnection } from './memcached-connection.js';
import { tooLargeFailure, type ValueCodec } from './value-codec.js';

export interface StoreContext {
  connection: MemcachedConnection;
  codec: ValueCodec;
  maxValueBytes: number;
  onTooLarge: 'refuse' | 'store-failure';
}

/** Enough for any real contention on one task id (a worker and a revoke racing); beyond it something is wrong. */
const MAX_ATTEMPTS = 10;

/**
 * Stores a task's meta without ever replacing a SUCCESS (Celery's rule), and without the read-then-write race
 * Celery's own cache backend has: the current value is read with its CAS token and replaced only if unchanged;
 * an absent key is created with `add`, which fails if another writer got there first. Either way a lost race is
 * retried from the read, so a SUCCESS written concurrently is seen and kept.
 *
 * A meta too large for memcached (over maxValueBytes, or refused by the server's own item limit):
 * - 'refuse' (default, the ResultBackend contract): throws TQ_MESSAGE_TOO_LARGE and stores nothing;
 * - 'store-failure': stores a FAILURE naming the reason in its place (see tooLargeFailure), with the same rules,
 *   and resolves, so a waiting client gets an error instead of waiting forever even where the caller (a worker)
 *   does not handle TQ_MESSAGE_TOO_LARGE itself.
 */
export async function storeResult(
  context: StoreContext,
  key: string,
  meta: ResultMeta,
  exptime: number,
  signal?: AbortSignal,
): Promise<void> {
  const bytes = context.codec.encode(meta);
  try {
    if (bytes.byteLength > context.maxValueBytes) throw tooLargeError(meta, bytes.byteLength, context.maxValueBytes);
    await writeUnlessSuccess(context, key, bytes, exptime, signal);
  } catch (error) {
    // The server's own limit (memcached -I) can be lower than maxValueBytes: it answers "too large" too.
    if (!TqError.is(error, ErrorCodes.MESSAGE_TOO_LARGE) || context.onTooLarge === 'refuse') throw error;
    const failure = tooLargeFailure(meta, bytes.byteLength, context.maxValueBytes);
    await writeUnlessSuccess(context, key, context.codec.encode(failure), exptime, signal);
  }
}

function tooLargeError(meta: ResultMeta, size: number, limit: number): TqError {
  return new TqError(
    ErrorCodes.MESSAGE_TOO_LARGE,
    `memcached: result of task ${meta.task_id} is ${size} bytes encoded, over the ${limit}-byte limit; nothing stored`,
    { details: { taskId: meta.task_id, state: meta.status, bytes: size, maxValueBytes: limit } },
  );
}

async function writeUnlessSuccess(
  context: StoreContext,
  key: string,
  bytes: Uint8Array,
  exptime: number,
  signal?: AbortSignal,
): Promise<void> {
  const { connection, codec } = context;
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
    const current = await connection.get(key, signal);
    if (current === undefined) {
      if (await connection.add(key, bytes, codec.flags, exptime, signal)) return;
      continue;
    }
    if (codec.statusOf(current, key) === States.SUCCESS) return;
    const outcome = await connection.compareAndSet(key, bytes, codec.flags, exptime, current.cas, signal);
    if (outcome === 'stored') return;
  }
  throw new TqError(
    ErrorCodes.BROKER_REFUSED,
    `memcached: gave up storing ${key} after ${MAX_ATTEMPTS} conflicting writes`,
    {
      retryable: true,
      details: { key, attempts: MAX_ATTEMPTS },
    },
  );
}
