import { isAbsolute, resolve } from 'node:path';
import { ErrorCodes, TqError } from '@tq/core';
import { parseSqliteUrl, type SqliteLocation, type SqliteSynchronous, type SqliteUrlSettings } from './url.js';

/**
 * Where the database is and how to reach it. busyTimeoutMs, synchronous and sweepIntervalMs belong to the
 * connection, which is shared by every instance on the file in the process: the first instance to open it decides.
 */
export interface SqliteConnectionOptions {
  /** A `sqlite://` URL. Settings in its query string are overridden by the options given here. */
  url?: string;
  /** Or the database file directly (`:memory:` for a private in-memory database). */
  filename?: string;
  /**
   * How long a connection waits for another process's write lock before failing with TQ_TIMEOUT. better-sqlite3 is
   * synchronous, so this wait blocks the event loop: tq keeps every write transaction short.
   * @default 5000
   */
  busyTimeoutMs?: number;
  /**
   * SQLite `synchronous` with WAL. NORMAL survives a process crash but may lose the last commits on power loss;
   * FULL syncs on every commit (slower).
   * @default 'NORMAL'
   */
  synchronous?: SqliteSynchronous;
  /**
   * How often expired results, groups, chords, TTL-expired messages and old broadcasts are deleted.
   * @default 60000
   */
  sweepIntervalMs?: number;
  /**
   * Fastest poll interval when waiting on changes made by other processes (changes in this process wake at once).
   * @default 1
   */
  minPollMs?: number;
  /**
   * Slowest poll interval: the idle cross-process latency. Polls double from minPollMs up to this, and only read
   * tables when `PRAGMA data_version` says another connection committed something.
   * @default 100
   */
  maxPollMs?: number;
}

export interface SqliteTransportOptions extends SqliteConnectionOptions {
  /**
   * How long a delivered message stays leased to its consumer before it comes back (redelivered) if neither acked
   * nor rejected nor extended with `delivery.extend(ms)`.
   * @default 1_800_000 (30 minutes)
   */
  visibilityTimeoutMs?: number;
  /**
   * Largest message (body plus JSON headers and properties) accepted by publish.
   * @default 16_777_216 (16 MiB)
   */
  maxMessageBytes?: number;
  /**
   * How long broadcast (fanout) messages are kept for subscribers that poll from other processes.
   * @default 60000
   */
  broadcastRetentionMs?: number;
}

export interface SqliteBackendOptions extends SqliteConnectionOptions {
  /**
   * Default result lifetime when `store` is called without `ttlMs`; 0 or Infinity keeps results forever (as
   * Celery's `result_expires = None`).
   * @default 86_400_000 (1 day)
   */
  resultTtlMs?: number;
  /**
   * Largest stored meta (JSON text) accepted.
   * @default 16_777_216 (16 MiB)
   */
  maxValueBytes?: number;
}

export interface ResolvedConnectionOptions {
  location: SqliteLocation;
  busyTimeoutMs: number;
  synchronous: SqliteSynchronous;
  sweepIntervalMs: number;
  minPollMs: number;
  maxPollMs: number;
}

export interface ResolvedTransportOptions extends ResolvedConnectionOptions {
  visibilityTimeoutMs: number;
  maxMessageBytes: number;
  broadcastRetentionMs: number;
}

export interface ResolvedBackendOptions extends ResolvedConnectionOptions {
  resultTtlMs: number;
  maxValueBytes: number;
}

const MIB16 = 16 * 1024 * 1024;

function merge<T extends SqliteConnectionOptions>(
  input: string | T,
  extra: Partial<T> | undefined,
): {
  location: SqliteLocation;
  values: T & SqliteUrlSettings;
} {
  const options = (typeof input === 'string' ? { ...extra, url: input } : { ...input, ...extra }) as T;
  if (options.url !== undefined) {
    const parsed = parseSqliteUrl(options.url);
    return { location: parsed.location, values: { ...parsed.settings, ...withoutUndefined(options) } };
  }
  if (typeof options.filename !== 'string' || options.filename === '') {
    throw new TqError(ErrorCodes.INVALID_CONFIG, 'sqlite: give either a url or a filename');
  }
  const location: SqliteLocation =
    options.filename === ':memory:'
      ? { kind: 'memory' }
      : { kind: 'file', filename: isAbsolute(options.filename) ? options.filename : resolve(options.filename) };
  return { location, values: options };
}

function withoutUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}

function nonNegative(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || Number.isNaN(value) || value < 0) {
    throw new TqError(ErrorCodes.INVALID_CONFIG, `sqlite: ${name} must be a non-negative number`, {
      details: { value },
    });
  }
  return value;
}

function resolveConnection(location: SqliteLocation, values: SqliteConnectionOptions): ResolvedConnectionOptions {
  const minPollMs = Math.max(1, nonNegative('minPollMs', values.minPollMs, 1));
  return {
    location,
    busyTimeoutMs: nonNegative('busyTimeoutMs', values.busyTimeoutMs, 5000),
    synchronous: values.synchronous ?? 'NORMAL',
    sweepIntervalMs: nonNegative('sweepIntervalMs', values.sweepIntervalMs, 60_000),
    minPollMs,
    maxPollMs: Math.max(minPollMs, nonNegative('maxPollMs', values.maxPollMs, 100)),
  };
}

export function resolveTransportOptions(
  input: string | SqliteTransportOptions,
  extra?: Partial<SqliteTransportOptions>,
): ResolvedTransportOptions {
  const { location, values } = merge(input, extra);
  return {
    ...resolveConnection(location, values),
    visibilityTimeoutMs: Math.max(1, nonNegative('visibilityTimeoutMs', values.visibilityTimeoutMs, 1_800_000)),
    maxMessageBytes: nonNegative('maxMessageBytes', values.maxMessageBytes, MIB16),
    broadcastRetentionMs: nonNegative('broadcastRetentionMs', values.broadcastRetentionMs, 60_000),
  };
}

export function resolveBackendOptions(
  input: string | SqliteBackendOptions,
  extra?: Partial<SqliteBackendOptions>,
): ResolvedBackendOptions {
  const { location, values } = merge(input, extra);
  return {
    ...resolveConnection(location, values),
    resultTtlMs: nonNegative('resultTtlMs', values.resultTtlMs, 86_400_000),
    maxValueBytes: nonNegative('maxValueBytes', values.maxValueBytes, MIB16),
  };
}
