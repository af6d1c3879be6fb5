import type { Serializer } from '@tq/core';
import { ErrorCodes, jsonSerializer, TqError } from '@tq/core';
import { type ParsedMemcachedUrl, parseMemcachedUrl } from './url.js';

export interface MemcachedBackendOptions {
  /** `memcached://h1:11211;h2:11211` (or Celery's `cache+memcached://...`). @default 'memcached://127.0.0.1:11211' */
  url?: string;
  /** Prepended to every key, to share a memcached between apps or tests. @default '' */
  keyPrefix?: string;
  /** How long results, groups and chord state live when a call passes no ttlMs; 0 = forever. @default 86_400_000 (1 day, Celery's result_expires) */
  expiresMs?: number;
  /**
   * Largest encoded value to send. memcached's default item limit is 1 MiB (`-I`), which also holds the key and
   * item header; a larger value is refused before it is sent. @default 1_048_000
   */
  maxValueBytes?: number;
  /**
   * A result too large to store: 'refuse' throws TQ_MESSAGE_TOO_LARGE and stores nothing (the ResultBackend
   * contract); 'store-failure' stores a FAILURE in its place whose exception is Celery's
   * `celery.exceptions.BackendStoreError` with the sizes in its message, and resolves. @default 'refuse'
   */
  onTooLarge?: 'refuse' | 'store-failure';
  /** The result serializer; must match Celery's `result_serializer`. @default @tq/core's JSON serializer */
  serializer?: Serializer;
  /** First and longest wait between polls in waitFor (it backs off from the first to the longest). @default 25 / 500 */
  pollMinMs?: number;
  pollMaxMs?: number;
  /**
   * How long the worker chosen to complete a chord waits for header results that are not there yet (only after a
   * part was counted twice), before failing the chord with a ChordError; Celery's `result_chord_join_timeout`.
   * @default 3000
   */
  chordJoinTimeoutMs?: number;
  /** Deadline of each memcached request. @default 2000 */
  timeoutMs?: number;
  /** Attempts per request when the connection fails. @default 2 */
  retries?: number;
  /**
   * How keys are spread over several servers. 'python-memcached' matches Celery with python-memcached (Debian's
   * python3-memcache), so both sides find each key on the same server; 'memjs' is memjs's own hash. @default 'python-memcached'
   */
  keyDistribution?: 'python-memcached' | 'memjs';
}

export interface ResolvedMemcachedOptions {
  url: string;
  parsed: ParsedMemcachedUrl;
  keyPrefix: string;
  expiresMs: number;
  maxValueBytes: number;
  onTooLarge: 'refuse' | 'store-failure';
  serializer: Serializer;
  pollMinMs: number;
  pollMaxMs: number;
  chordJoinTimeoutMs: number;
  timeoutMs: number;
  retries: number;
  keyDistribution: 'python-memcached' | 'memjs';
}

export function resolveOptions(
  input: string | MemcachedBackendOptions = {},
  extra: MemcachedBackendOptions = {},
): ResolvedMemcachedOptions {
  const options = { ...(typeof input === 'string' ? { url: input } : input), ...extra };
  const url = options.url ?? 'memcached://127.0.0.1:11211';
  const resolved: ResolvedMemcachedOptions = {
    url,
    parsed: parseMemcachedUrl(url),
    keyPrefix: options.keyPrefix ?? '',
    expiresMs: options.expiresMs ?? 86_400_000,
    maxValueBytes: options.maxValueBytes ?? 1_048_000,
    onTooLarge: options.onTooLarge ?? 'refuse',
    serializer: options.serializer ?? jsonSerializer,
    pollMinMs: options.pollMinMs ?? 25,
    pollMaxMs: options.pollMaxMs ?? 500,
    chordJoinTimeoutMs: options.chordJoinTimeoutMs ?? 3000,
    timeoutMs: options.timeoutMs ?? 2000,
    retries: options.retries ?? 2,
    keyDistribution: options.keyDistribution ?? 'python-memcached',
  };
  for (const name of [
    'maxValueBytes',
    'pollMinMs',
    'pollMaxMs',
    'chordJoinTimeoutMs',
    'timeoutMs',
    'retries',
  ] as const) {
    const value = resolved[name];
    if (!Number.isFinite(value) || value <= 0) {
      throw new TqError(ErrorCodes.INVALID_CONFIG, `memcached: ${name} must be a positive number`, {
        details: { [name]: value },
      });
    }
  }
  if (typeof resolved.expiresMs !== 'number' || Number.isNaN(resolved.expiresMs)) {
    throw new TqError(ErrorCodes.INVALID_CONFIG, 'memcached: expiresMs must be a number (0 = never)', {
      details: { expiresMs: resolved.expiresMs },
    });
  }
  if (!['refuse', 'store-failure'].includes(resolved.onTooLarge)) {
    throw new TqError(ErrorCodes.INVALID_CONFIG, "memcached: onTooLarge must be 'refuse' or 'store-failure'", {
      details: { onTooLarge: resolved.onTooLarge },
    });
  }
  if (!['python-memcached', 'memjs'].includes(resolved.keyDistribution)) {
    throw new TqError(ErrorCodes.INVALID_CONFIG, "memcached: keyDistribution must be 'python-memcached' or 'memjs'", {
      details: { keyDistribution: resolved.keyDistribution },
    });
  }
  return resolved;
}
