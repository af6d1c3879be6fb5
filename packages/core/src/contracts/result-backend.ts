import type { ResultBackendCapabilities } from './capabilities.js';
import type { SignalOptions } from './transport.js';

/** Celery's task states. Custom strings are allowed too (update_state). */
export const States = {
  PENDING: 'PENDING',
  RECEIVED: 'RECEIVED',
  STARTED: 'STARTED',
  SUCCESS: 'SUCCESS',
  FAILURE: 'FAILURE',
  RETRY: 'RETRY',
  REVOKED: 'REVOKED',
  REJECTED: 'REJECTED',
  IGNORED: 'IGNORED',
} as const;
export type TaskState = (typeof States)[keyof typeof States] | (string & {});

export const READY_STATES: ReadonlySet<string> = new Set([States.SUCCESS, States.FAILURE, States.REVOKED]);
export const PROPAGATE_STATES: ReadonlySet<string> = new Set([States.FAILURE, States.REVOKED]);
export const EXCEPTION_STATES: ReadonlySet<string> = new Set([States.RETRY, States.FAILURE, States.REVOKED]);

/** Celery's encoding of an exception for non-pickle serializers. */
export interface EncodedException {
  exc_type: string;
  exc_message: unknown[];
  exc_module: string;
}

/**
 * What a backend stores per task: Celery's result meta. Always has status, result, traceback, children,
 * date_done and task_id; group_id/parent_id when set; name/args/kwargs/worker/retries/queue with extended results.
 */
export interface ResultMeta {
  status: TaskState;
  result: unknown;
  traceback: string | null;
  children: unknown[] | null;
  date_done: string | null;
  task_id: string;
  group_id?: string | null;
  parent_id?: string | null;
  name?: string;
  args?: unknown[];
  kwargs?: Record<string, unknown>;
  worker?: string;
  retries?: number;
  queue?: string;
  [extra: string]: unknown;
}

/** A saved group: Celery stores `{"result": [[gid, null], [[[child_id, null], null], ...]]}`. */
export interface GroupMeta {
  group_id: string;
  /** Result tuples of the members, in order. */
  result: unknown;
  date_done?: string | null;
}

/** One finished chord part, as handed to chordPartCompleted. */
export interface ChordPart {
  taskId: string;
  /** Position in the header (group_index); parts are returned ordered by it. */
  index: number;
  state: TaskState;
  result: unknown;
}

export type ChordProgress = { complete: false } | { complete: true; parts: ChordPart[] };

export interface StoreOptions extends SignalOptions {
  /** Expire the stored value after this long (default: the backend's, 1 day). */
  ttlMs?: number;
  /** The task message's reply_to: where a reply-queue backend (rpc://) sends the result. */
  replyTo?: string;
  /** The task message's correlation_id (the task id on Celery messages). */
  correlationId?: string;
}

export interface WaitOptions extends SignalOptions {
  /** Give up with TQ_TIMEOUT after this long (default: wait until the signal aborts). */
  timeoutMs?: number;
}

/**
 * Stores task results and answers questions about them. `store` never overwrites a SUCCESS (Celery's rule).
 */
export interface ResultBackend extends AsyncDisposable {
  readonly capabilities: Readonly<ResultBackendCapabilities>;
  /**
   * Set by reply-queue backends (rpc://): producers put it in each task's `reply_to` property so results come
   * back to this client. Other backends leave it undefined and the app's own oid is sent.
   */
  readonly replyTo?: string;
  connect(options?: SignalOptions): Promise<void>;
  close(options?: { force?: boolean }): Promise<void>;

  store(taskId: string, meta: ResultMeta, options?: StoreOptions): Promise<void>;
  /** The stored meta, or undefined when nothing is stored (the caller reports PENDING). */
  get(taskId: string, options?: SignalOptions): Promise<ResultMeta | undefined>;
  /** Resolves with the meta once the task is in a ready state (SUCCESS, FAILURE, REVOKED). */
  waitFor(taskId: string, options?: WaitOptions): Promise<ResultMeta>;
  forget(taskId: string, options?: SignalOptions): Promise<void>;

  saveGroup(groupId: string, meta: GroupMeta, options?: StoreOptions): Promise<void>;
  getGroup(groupId: string, options?: SignalOptions): Promise<GroupMeta | undefined>;
  forgetGroup(groupId: string, options?: SignalOptions): Promise<void>;

  /**
   * Records the number of parts before the header is published (Redis `.s`). `header` is the frozen header group;
   * a backend whose Celery counterpart saves it when a chord is applied (the cache backend) saves it too.
   */
  setChordSize(groupId: string, size: number, options?: StoreOptions & { header?: GroupMeta }): Promise<void>;
  /**
   * Atomically records a finished part and tells whether the chord is now complete. Exactly one caller per chord
   * sees `complete: true` (with every part, ordered by index), even with many workers racing; afterwards the
   * chord's state is removed. Backends without capabilities.chords throw TQ_NOT_SUPPORTED.
   */
  chordPartCompleted(groupId: string, part: ChordPart, options?: StoreOptions & { size?: number }): Promise<ChordProgress>;
}

export type ResultBackendFactory = (url: string, options?: Record<string, unknown>) => ResultBackend;
