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
  States,
  sharedAbortController,
  throwIfAborted,
  TqError,
} from '@tq/core';
import { acquireConnection, type SqliteConnection } from '../connection.js';
import { closedError, fromJson, guarded, toJson } from '../errors.js';
import { resultTopic } from '../notifier.js';
import { type ResolvedBackendOptions, resolveBackendOptions, type SqliteBackendOptions } from '../options.js';
import { ChangePoller } from '../poller.js';
import { chordPartCompleted, setChordSize } from './chords.js';

/**
 * Result backend on one SQLite file. Meta is stored as Celery's meta JSON text (`{status, result, traceback,
 * children, date_done, task_id, ...}`), so values must be JSON-compatible. Expired rows are invisible at once and
 * deleted lazily on read and by the periodic sweep. `waitFor` is woken at once by a store in the same process and
 * otherwise polls `PRAGMA data_version` with backoff (minPollMs..maxPollMs).
 */
export class SqliteResultBackend implements ResultBackend {
  readonly capabilities: Readonly<ResultBackendCapabilities>;
  readonly options: ResolvedBackendOptions;
  readonly #closing = sharedAbortController();
  #connection: SqliteConnection | undefined;
  #closed = false;

  constructor(input: string | SqliteBackendOptions, extra?: Partial<SqliteBackendOptions>) {
    this.options = resolveBackendOptions(input, extra);
    this.capabilities = defineBackendCapabilities({
      push: false,
      chords: true,
      nativeTtl: true,
      shared: this.options.location.kind === 'file',
      groups: true,
      maxValueBytes: this.options.maxValueBytes,
    });
  }

  #open(what: string, signal?: AbortSignal): SqliteConnection {
    if (this.#closed) throw closedError('result backend', what);
    throwIfAborted(signal, `sqlite ${what}`);
    this.#connection ??= acquireConnection(this.options);
    return this.#connection;
  }

  /** Absolute expiry for a TTL: undefined = the default; 0, negative or Infinity = never expires. */
  #expiresAt(ttlMs: number | undefined): number | null {
    const ttl = ttlMs ?? this.options.resultTtlMs;
    if (typeof ttl !== 'number' || !Number.isFinite(ttl) || ttl <= 0) return null;
    return Date.now() + ttl;
  }

  async connect(options: SignalOptions = {}): Promise<void> {
    this.#open('connect', options.signal);
  }

  async close(_options: { force?: boolean } = {}): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#closing.abort(closedError('result backend', 'close'));
    this.#connection?.release();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  async store(taskId: string, meta: ResultMeta, options: StoreOptions = {}): Promise<void> {
    const connection = this.#open('store', options.signal);
    requireId(taskId, 'task id');
    if (typeof meta !== 'object' || meta === null || typeof meta.status !== 'string') {
      throw new TqError(ErrorCodes.INVALID_CONFIG, 'sqlite: result meta must be an object with a status', {
        details: { taskId },
      });
    }
    const text = this.#sized(toJson(meta, 'result meta'));
    const expiresAt = this.#expiresAt(options.ttlMs);
    // Through the group commit: a worker storing many results per event-loop turn pays one commit for them all
    // (and for its acks). Waiters in this process are woken after the commit.
    await connection.batcher.run(
      () =>
        connection
          .statement(
            `INSERT INTO tq_results (task_id, status, meta, expires_at) VALUES (@taskId, @status, @meta, @expiresAt)
             ON CONFLICT(task_id) DO UPDATE SET status = excluded.status, meta = excluded.meta, expires_at = excluded.expires_at
             WHERE tq_results.status <> 'SUCCESS' OR tq_results.expires_at <= @now`,
          )
          .run({ taskId, status: meta.status, meta: text, expiresAt, now: Date.now() }),
      () => connection.notifier.notify(resultTopic(taskId)),
    );
  }

  async get(taskId: string, options: SignalOptions = {}): Promise<ResultMeta | undefined> {
    const connection = this.#open('get', options.signal);
    return this.#read(connection, taskId);
  }

  #read(connection: SqliteConnection, taskId: string): ResultMeta | undefined {
    const row = guarded('get result', () =>
      connection.statement('SELECT meta, expires_at FROM tq_results WHERE task_id = ?').get(taskId),
    ) as { meta: string; expires_at: number | null } | undefined;
    if (!row) return undefined;
    const now = Date.now();
    if (row.expires_at !== null && row.expires_at <= now) {
      try {
        connection.write('delete expired result', () =>
          connection.statement('DELETE FROM tq_results WHERE task_id = ? AND expires_at <= ?').run(taskId, now),
        );
      } catch {
        // Busy: the sweep deletes it later; it is already invisible.
      }
      return undefined;
    }
    return fromJson(row.meta, 'result meta') as ResultMeta;
  }

  async waitFor(taskId: string, options: WaitOptions = {}): Promise<ResultMeta> {
    const connection = this.#open('waitFor', options.signal);
    const { signal, timeoutMs } = options;
    const deadline = timeoutMs === undefined ? undefined : Date.now() + Math.max(0, timeoutMs);
    const stop = signal ? AbortSignal.any([signal, this.#closing.signal]) : this.#closing.signal;
    const poller = new ChangePoller(connection, [resultTopic(taskId)], stop, this.options);
    for (;;) {
      const meta = this.#read(connection, taskId);
      if (meta && READY_STATES.has(meta.status)) return meta;
      if (deadline !== undefined && Date.now() >= deadline) {
        throw new TqError(ErrorCodes.TIMEOUT, `sqlite: no result for task ${taskId} within ${timeoutMs} ms`, {
          details: { taskId, timeoutMs, state: meta?.status ?? States.PENDING },
        });
      }
      const reason = await poller.wait(undefined, deadline);
      if (reason === 'stopped') {
        if (signal?.aborted) throw abortError(signal, 'sqlite waitFor');
        throw closedError('result backend', 'waitFor');
      }
    }
  }

  async forget(taskId: string, options: SignalOptions = {}): Promise<void> {
    const connection = this.#open('forget', options.signal);
    connection.write('forget result', () =>
      connection.statement('DELETE FROM tq_results WHERE task_id = ?').run(taskId),
    );
  }

  async saveGroup(groupId: string, meta: GroupMeta, options: StoreOptions = {}): Promise<void> {
    const connection = this.#open('saveGroup', options.signal);
    requireId(groupId, 'group id');
    const text = this.#sized(toJson(meta, 'group meta'));
    const expiresAt = this.#expiresAt(options.ttlMs);
    connection.write('save group', () =>
      connection
        .statement(
          `INSERT INTO tq_groups (group_id, meta, expires_at) VALUES (?, ?, ?)
           ON CONFLICT(group_id) DO UPDATE SET meta = excluded.meta, expires_at = excluded.expires_at`,
        )
        .run(groupId, text, expiresAt),
    );
  }

  async getGroup(groupId: string, options: SignalOptions = {}): Promise<GroupMeta | undefined> {
    const connection = this.#open('getGroup', options.signal);
    const row = guarded('get group', () =>
      connection.statement('SELECT meta, expires_at FROM tq_groups WHERE group_id = ?').get(groupId),
    ) as { meta: string; expires_at: number | null } | undefined;
    if (!row || (row.expires_at !== null && row.expires_at <= Date.now())) return undefined;
    return fromJson(row.meta, 'group meta') as GroupMeta;
  }

  async forgetGroup(groupId: string, options: SignalOptions = {}): Promise<void> {
    const connection = this.#open('forgetGroup', options.signal);
    connection.write('forget group', () =>
      connection.statement('DELETE FROM tq_groups WHERE group_id = ?').run(groupId),
    );
  }

  async setChordSize(groupId: string, size: number, options: StoreOptions = {}): Promise<void> {
    const connection = this.#open('setChordSize', options.signal);
    requireId(groupId, 'group id');
    requireSize(size);
    setChordSize(connection, groupId, size, this.#expiresAt(options.ttlMs));
  }

  async chordPartCompleted(
    groupId: string,
    part: ChordPart,
    options: StoreOptions & { size?: number } = {},
  ): Promise<ChordProgress> {
    const connection = this.#open('chordPartCompleted', options.signal);
    requireId(groupId, 'group id');
    requireId(part?.taskId, 'chord part task id');
    if (options.size !== undefined) requireSize(options.size);
    return chordPartCompleted(connection, groupId, part, options.size, this.#expiresAt(options.ttlMs));
  }

  #sized(text: string): string {
    const bytes = Buffer.byteLength(text);
    if (bytes > this.options.maxValueBytes) {
      throw new TqError(ErrorCodes.MESSAGE_TOO_LARGE, `sqlite: value of ${bytes} bytes exceeds maxValueBytes`, {
        details: { bytes, maxValueBytes: this.options.maxValueBytes },
      });
    }
    return text;
  }
}

function requireId(id: unknown, what: string): asserts id is string {
  if (typeof id !== 'string' || id === '') {
    throw new TqError(ErrorCodes.INVALID_CONFIG, `sqlite: ${what} must be a non-empty string`, { details: { id } });
  }
}

function requireSize(size: unknown): void {
  if (typeof size !== 'number' || !Number.isInteger(size) || size < 0) {
    throw new TqError(ErrorCodes.INVALID_CONFIG, 'sqlite: chord size must be a non-negative integer', {
      details: { size },
    });
  }
}

export function sqliteBackend(
  input: string | SqliteBackendOptions,
  extra?: Partial<SqliteBackendOptions>,
): SqliteResultBackend {
  return new SqliteResultBackend(input, extra);
}
