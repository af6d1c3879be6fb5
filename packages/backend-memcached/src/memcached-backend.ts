import type {
  ChordPart,
  ChordProgress,
  GroupMeta,
  ResultBackend,
  ResultBackendCapabilities,
  ResultMeta,
  SignalOptions,
  StoreOptions,
  WaitOptions,
} from '@tq/core';
import {
  abortError,
  defineBackendCapabilities,
  ErrorCodes,
  READY_STATES,
  sleep,
  States,
  throwIfAborted,
  TqError,
} from '@tq/core';
import { chordPartCompleted, setChordSize } from './chords.js';
import { memcachedExptime } from './expiry.js';
import { KeyScheme } from './keys.js';
import { MemcachedConnection } from './memcached-connection.js';
import { closedError } from './memcached-errors.js';
import { type MemcachedBackendOptions, type ResolvedMemcachedOptions, resolveOptions } from './options.js';
import { storeResult } from './store-result.js';
import { redact } from './url.js';
import { ValueCodec } from './value-codec.js';

/**
 * Celery's cache result backend on memcached (memjs): `celery-task-meta-<id>` holds the task's meta as the result
 * serializer's bytes (JSON), `celery-taskset-meta-<gid>` a saved group, and `chord-unlock-<gid>` the chord counter,
 * so Celery with `result_backend = 'cache+memcached://...'` and tq read each other's results. Values expire after
 * 1 day by default (memcached drops them itself). There is no pub/sub: waitFor polls with a short backoff.
 */
export class MemcachedResultBackend implements ResultBackend {
  readonly capabilities: Readonly<ResultBackendCapabilities>;
  readonly options: ResolvedMemcachedOptions;
  readonly #keys: KeyScheme;
  readonly #codec: ValueCodec;
  readonly #connection: MemcachedConnection;
  readonly #closing = new AbortController();
  #closed = false;

  constructor(input?: string | MemcachedBackendOptions, extra?: MemcachedBackendOptions) {
    this.options = resolveOptions(input, extra);
    this.#keys = new KeyScheme(this.options.keyPrefix);
    this.#codec = new ValueCodec(this.options.serializer);
    this.#connection = new MemcachedConnection(this.options.parsed, this.options);
    this.capabilities = defineBackendCapabilities({
      push: false,
      chords: true,
      nativeTtl: true,
      shared: true,
      groups: true,
      maxValueBytes: this.options.maxValueBytes,
    });
  }

  /** Checks that every server answers. Other calls connect lazily, so this is optional. */
  async connect(options: SignalOptions = {}): Promise<void> {
    this.#check('connect', options.signal);
    await this.#connection.ping(options.signal);
  }

  async close(options: { force?: boolean } = {}): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#closing.abort(closedError('close'));
    await this.#connection.close(options.force ?? false);
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  async store(taskId: string, meta: ResultMeta, options: StoreOptions = {}): Promise<void> {
    this.#check('store', options.signal);
    if (typeof meta !== 'object' || meta === null || typeof meta.status !== 'string') {
      throw new TqError(ErrorCodes.INVALID_CONFIG, 'memcached: result meta must be an object with a status', {
        details: { taskId },
      });
    }
    const context = {
      connection: this.#connection,
      codec: this.#codec,
      maxValueBytes: this.options.maxValueBytes,
      onTooLarge: this.options.onTooLarge,
    };
    await storeResult(context, this.#keys.task(taskId), meta, this.#exptime(options.ttlMs), options.signal);
  }

  async get(taskId: string, options: SignalOptions = {}): Promise<ResultMeta | undefined> {
    this.#check('get', options.signal);
    const key = this.#keys.task(taskId);
    const stored = await this.#connection.get(key, options.signal);
    return stored === undefined ? undefined : (this.#codec.decode(stored, key) as ResultMeta);
  }

  async waitFor(taskId: string, options: WaitOptions = {}): Promise<ResultMeta> {
    this.#check('waitFor', options.signal);
    const { signal, timeoutMs } = options;
    const deadline = timeoutMs === undefined ? undefined : Date.now() + Math.max(0, timeoutMs);
    const stop = signal ? AbortSignal.any([signal, this.#closing.signal]) : this.#closing.signal;
    let delay = this.options.pollMinMs;
    for (;;) {
      const meta = await this.get(taskId, { signal: stop }).catch((error) => this.#stopped(error, signal));
      if (meta && READY_STATES.has(meta.status)) return meta;
      const now = Date.now();
      if (deadline !== undefined && now >= deadline) {
        throw new TqError(ErrorCodes.TIMEOUT, `memcached: no result for task ${taskId} within ${timeoutMs} ms`, {
          retryable: true,
          details: { taskId, timeoutMs, state: meta?.status ?? States.PENDING },
        });
      }
      await sleep(deadline === undefined ? delay : Math.min(delay, deadline - now), stop).catch((error) =>
        this.#stopped(error, signal),
      );
      delay = Math.min(this.options.pollMaxMs, Math.ceil(delay * 1.5));
    }
  }

  async forget(taskId: string, options: SignalOptions = {}): Promise<void> {
    this.#check('forget', options.signal);
    await this.#connection.delete(this.#keys.task(taskId), options.signal);
  }

  /** Stored as Celery stores a group: `{"result": <the group's result tuple>}` (plus date_done when given). */
  async saveGroup(groupId: string, meta: GroupMeta, options: StoreOptions = {}): Promise<void> {
    this.#check('saveGroup', options.signal);
    const key = this.#keys.group(groupId);
    const value =
      meta.date_done === undefined ? { result: meta.result } : { result: meta.result, date_done: meta.date_done };
    const bytes = this.#codec.encode(value);
    if (bytes.byteLength > this.options.maxValueBytes) {
      throw new TqError(
        ErrorCodes.MESSAGE_TOO_LARGE,
        `memcached: group ${groupId} is ${bytes.byteLength} bytes, over the ${this.options.maxValueBytes}-byte limit`,
        {
          details: { groupId, bytes: bytes.byteLength, maxValueBytes: this.options.maxValueBytes },
        },
      );
    }
    await this.#connection.set(key, bytes, this.#codec.flags, this.#exptime(options.ttlMs), options.signal);
  }

  async getGroup(groupId: string, options: SignalOptions = {}): Promise<GroupMeta | undefined> {
    this.#check('getGroup', options.signal);
    const key = this.#keys.group(groupId);
    const stored = await this.#connection.get(key, options.signal);
    if (stored === undefined) return undefined;
    const value = this.#codec.decode(stored, key) as { result?: unknown; date_done?: string | null } | null;
    return { group_id: groupId, result: value?.result ?? null, date_done: value?.date_done ?? null };
  }

  async forgetGroup(groupId: string, options: SignalOptions = {}): Promise<void> {
    this.#check('forgetGroup', options.signal);
    await this.#connection.delete(this.#keys.group(groupId), options.signal);
  }

  /**
   * Opens a chord. With `header` (the frozen header group, which tq's chord passes), the group is saved first as
   * Celery's cache backend saves it when it applies a chord: a Celery worker running a header task restores it to
   * know the chord's size and to join the results, and fails the chord without it.
   */
  async setChordSize(
    groupId: string,
    size: number,
    options: StoreOptions & { header?: GroupMeta } = {},
  ): Promise<void> {
    this.#check('setChordSize', options.signal);
    requireChordSize(size);
    if (options.header !== undefined) await this.saveGroup(groupId, options.header, options);
    await setChordSize(this.#chordContext(), groupId, size, this.#exptime(options.ttlMs), options.signal);
  }

  async chordPartCompleted(
    groupId: string,
    part: ChordPart,
    options: StoreOptions & { size?: number } = {},
  ): Promise<ChordProgress> {
    this.#check('chordPartCompleted', options.signal);
    if (options.size !== undefined) requireChordSize(options.size);
    if (typeof part?.taskId !== 'string' || part.taskId === '') {
      throw new TqError(ErrorCodes.INVALID_CONFIG, 'memcached: chord part needs a task id', { details: { groupId } });
    }
    return chordPartCompleted(
      this.#chordContext(),
      {
        joinTimeoutMs: this.options.chordJoinTimeoutMs,
        pollMinMs: this.options.pollMinMs,
        pollMaxMs: this.options.pollMaxMs,
      },
      groupId,
      part,
      options.size,
      this.#exptime(options.ttlMs),
      options.signal,
    );
  }

  #chordContext() {
    return { connection: this.#connection, codec: this.#codec, keys: this.#keys };
  }

  /** undefined: the backend's expiresMs; 0, negative or Infinity: never expires. */
  #exptime(ttlMs: number | undefined): number {
    return memcachedExptime(ttlMs ?? this.options.expiresMs);
  }

  #check(operation: string, signal: AbortSignal | undefined): void {
    if (this.#closed) throw closedError(operation);
    throwIfAborted(signal, `memcached ${operation}`);
  }

  /** After the wait was stopped: the caller's abort wins, then our close; other errors pass through. */
  #stopped(error: unknown, signal: AbortSignal | undefined): never {
    if (signal?.aborted) throw abortError(signal, 'memcached waitFor');
    if (this.#closed) throw closedError('waitFor');
    throw error;
  }

  toString(): string {
    return `MemcachedResultBackend(${redact(this.options.url)})`;
  }
}

function requireChordSize(size: unknown): void {
  if (typeof size !== 'number' || !Number.isInteger(size) || size < 1) {
    throw new TqError(
      ErrorCodes.INVALID_CONFIG,
      `memcached: chord size must be a positive integer, got ${String(size)}`,
      { details: { size } },
    );
  }
}

/** The factory the `tq` command calls for `memcached://` and `cache+memcached://` URLs. */
export function memcachedBackend(
  url?: string | MemcachedBackendOptions,
  options?: MemcachedBackendOptions,
): MemcachedResultBackend {
  return new MemcachedResultBackend(url, options);
}
