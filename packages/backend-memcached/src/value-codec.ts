import type { ResultMeta, Serializer } from '@tq/core';
import { ErrorCodes, formatIsoDateTime, States, TqError } from '@tq/core';
import { gunzipSync, inflateSync } from 'node:zlib';
import type { StoredValue } from './memcached-connection.js';

/** python-memcached's flag bits (memcache.py): how Celery's values are marked when Python writes them. */
export const Flags = { PICKLE: 1, INTEGER: 2, LONG: 4, COMPRESSED: 8, TEXT: 16 } as const;

/**
 * Encodes values the way Celery's cache backend stores them: the result serializer's bytes (JSON text by default),
 * flagged TEXT for text serializers exactly as python-memcached flags the `str` Celery hands it, so Python reads
 * back a str either way.
 */
export class ValueCodec {
  constructor(readonly serializer: Serializer) {}

  get flags(): number {
    return this.serializer.contentEncoding === 'binary' ? 0 : Flags.TEXT;
  }

  encode(value: unknown): Uint8Array {
    return this.serializer.encode(value);
  }

  decode(stored: StoredValue, key: string): unknown {
    let bytes: Uint8Array = stored.value;
    if (stored.flags & Flags.PICKLE) {
      throw new TqError(ErrorCodes.DECODE, `memcached: ${key} holds a Python pickle, which tq never loads`, {
        details: { key },
      });
    }
    if (stored.flags & Flags.COMPRESSED) bytes = inflate(stored.value, key);
    return this.serializer.decode(bytes);
  }

  /** Reads a status without failing on foreign values: a value we cannot read is treated as overwritable. */
  statusOf(stored: StoredValue, key: string): string | undefined {
    try {
      const meta = this.decode(stored, key) as Partial<ResultMeta> | null;
      return typeof meta?.status === 'string' ? meta.status : undefined;
    } catch {
      return undefined;
    }
  }
}

function inflate(bytes: Buffer, key: string): Buffer {
  try {
    return bytes[0] === 0x1f ? gunzipSync(bytes) : inflateSync(bytes);
  } catch (error) {
    throw new TqError(ErrorCodes.DECODE, `memcached: ${key} is flagged compressed but does not inflate`, {
      cause: error,
      details: { key },
    });
  }
}

/**
 * What is stored in place of a result too large for memcached: a FAILURE whose exception is Celery's own
 * `celery.exceptions.BackendStoreError` (what Celery's Redis backend raises for an oversized value), so Python
 * clients see `BackendStoreError('...')` and tq clients a TaskFailedError with that type; the original state and
 * size are in the message.
 */
export function tooLargeFailure(meta: ResultMeta, bytes: number, limit: number): ResultMeta {
  const reason = `result of task ${meta.task_id} (state ${meta.status}) is ${bytes} bytes encoded, more than memcached's limit of ${limit} bytes`;
  return {
    status: States.FAILURE,
    result: { exc_type: 'BackendStoreError', exc_message: [reason], exc_module: 'celery.exceptions' },
    traceback: null,
    children: meta.children ?? [],
    date_done: meta.date_done ?? formatIsoDateTime(new Date(), 'python'),
    task_id: meta.task_id,
    ...(meta.group_id === undefined ? {} : { group_id: meta.group_id }),
    ...(meta.parent_id === undefined ? {} : { parent_id: meta.parent_id }),
  };
}
