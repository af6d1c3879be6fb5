import {
  type ChordPart,
  type ChordProgress,
  defineBackendCapabilities,
  type GroupMeta,
  READY_STATES,
  type ResultBackend,
  type ResultBackendCapabilities,
  type ResultMeta,
  type SignalOptions,
  States,
  type StoreOptions,
  type WaitOptions,
} from '../contracts/index.js';
import { abortError, ErrorCodes, TqError, throwIfAborted } from '../errors/index.js';
import { ExpiringMap } from './expiring-map.js';

const ONE_DAY_MS = 24 * 60 * 60 * 1000;

export interface MemoryBackendOptions {
  /** How long results, groups and chord state live when no `ttlMs` is given. Default: 1 day. */
  defaultTtlMs?: number;
  /** Refuse larger values (measured as JSON) with TQ_MESSAGE_TOO_LARGE. Default: no limit. */
  maxValueBytes?: number;
}

interface ChordState {
  size: number | undefined;
  /** Finished parts by task id: a part reported twice (a redelivered task) counts once. */
  parts: Map<string, ChordPart>;
}

type Waiter = (meta: ResultMeta) => void;

/**
 * A ResultBackend that lives in this process: test mode's backend and the conformance suite's reference. Values
 * are stored as structured clones, so what a caller gets back can't be changed by the task that stored it.
 * `waitFor` is woken directly by `store` (push); chords complete exactly once because JavaScript runs each call to
 * completion. `ttlMs` Infinity keeps a value until forgotten.
 */
export class MemoryResultBackend implements ResultBackend {
  readonly capabilities: Readonly<ResultBackendCapabilities>;
  readonly #defaultTtlMs: number;
  readonly #maxValueBytes: number;
  readonly #results = new ExpiringMap<ResultMeta>();
  readonly #groups = new ExpiringMap<GroupMeta>();
  readonly #chords = new ExpiringMap<ChordState>();
  readonly #waiters = new Map<string, Set<Waiter>>();
  readonly #onClose = new Set<() => void>();
  #closed = false;

  constructor(options: MemoryBackendOptions = {}) {
    const { defaultTtlMs = ONE_DAY_MS, maxValueBytes = Number.POSITIVE_INFINITY } = options;
    this.#defaultTtlMs = checkTtl(defaultTtlMs, 'defaultTtlMs');
    if (!(maxValueBytes > 0)) {
      throw new TqError(ErrorCodes.INVALID_CONFIG, `maxValueBytes must be a positive number, got ${maxValueBytes}`);
    }
    this.#maxValueBytes = maxValueBytes;
    this.capabilities = defineBackendCapabilities({
      push: true,
      chords: true,
      nativeTtl: true,
      shared: false,
      groups: true,
      maxValueBytes,
    });
  }

  async connect(options: SignalOptions = {}): Promise<void> {
    this.#check('connect', options.signal);
  }

  /** Pending `waitFor` calls reject with TQ_CLOSED. */
  async close(_options: { force?: boolean } = {}): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    for (const stop of [...this.#onClose]) stop();
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  /** Celery's rule: a SUCCESS already stored is never overwritten. */
  async store(taskId: string, meta: ResultMeta, options: StoreOptions = {}): Promise<void> {
    this.#check('store', options.signal);
    const value = this.#copyIn(meta, `result of ${taskId}`);
    if (this.#results.get(taskId)?.status === States.SUCCESS) return;
    this.#results.set(taskId, value, this.#ttl(options));
    if (READY_STATES.has(value.status)) {
      for (const wake of [...(this.#waiters.get(taskId) ?? [])]) wake(structuredClone(value));
    }
  }

  async get(taskId: string, options: SignalOptions = {}): Promise<ResultMeta | undefined> {
    this.#check('get', options.signal);
    const meta = this.#results.get(taskId);
    return meta === undefined ? undefined : structuredClone(meta);
  }

  waitFor(taskId: string, options: WaitOptions = {}): Promise<ResultMeta> {
    const { signal, timeoutMs } = options;
    try {
      this.#check('waitFor', signal);
    } catch (error) {
      return Promise.reject(error);
    }
    const ready = this.#results.get(taskId);
    if (ready !== undefined && READY_STATES.has(ready.status)) return Promise.resolve(structuredClone(ready));

    return new Promise<ResultMeta>((resolve, reject) => {
      const waiters = this.#waiters.get(taskId) ?? new Set<Waiter>();
      this.#waiters.set(taskId, waiters);
      const finish = (settle: () => void) => {
        waiters.delete(wake);
        if (waiters.size === 0) this.#waiters.delete(taskId);
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        this.#onClose.delete(onClose);
        settle();
      };
      const wake: Waiter = (meta) => finish(() => resolve(meta));
      const onAbort = () => finish(() => reject(abortError(signal, `waitFor(${taskId})`)));
      const onClose = () =>
        finish(() => reject(new TqError(ErrorCodes.CLOSED, `waitFor(${taskId}) stopped: the backend closed`)));
      // Deliberately not unref'd: a caller awaiting a result wants the process to stay up until it comes.
      const timer =
        timeoutMs === undefined
          ? undefined
          : setTimeout(
              () =>
                finish(() =>
                  reject(
                    new TqError(ErrorCodes.TIMEOUT, `no result for task ${taskId} within ${timeoutMs} ms`, {
                      retryable: true,
                      details: { taskId, timeoutMs },
                    }),
                  ),
                ),
              timeoutMs,
            );
      waiters.add(wake);
      signal?.addEventListener('abort', onAbort, { once: true });
      this.#onClose.add(onClose);
    });
  }

  async forget(taskId: string, options: SignalOptions = {}): Promise<void> {
    this.#check('forget', options.signal);
    this.#results.delete(taskId);
  }

  async saveGroup(groupId: string, meta: GroupMeta, options: StoreOptions = {}): Promise<void> {
    this.#check('saveGroup', options.signal);
    this.#groups.set(groupId, this.#copyIn(meta, `group ${groupId}`), this.#ttl(options));
  }

  async getGroup(groupId: string, options: SignalOptions = {}): Promise<GroupMeta | undefined> {
    this.#check('getGroup', options.signal);
    const meta = this.#groups.get(groupId);
    return meta === undefined ? undefined : structuredClone(meta);
  }

  async forgetGroup(groupId: string, options: SignalOptions = {}): Promise<void> {
    this.#check('forgetGroup', options.signal);
    this.#groups.delete(groupId);
  }

  async setChordSize(groupId: string, size: number, options: StoreOptions = {}): Promise<void> {
    this.#check('setChordSize', options.signal);
    checkChordSize(size);
    const chord = this.#chords.get(groupId) ?? { size: undefined, parts: new Map() };
    chord.size = size;
    this.#chords.set(groupId, chord, this.#ttl(options));
  }

  /**
   * Runs start to finish without awaiting, so exactly one caller sees the chord complete. The size comes from
   * `options.size`, else from `setChordSize`; with neither, TQ_INVALID_CONFIG.
   */
  async chordPartCompleted(
    groupId: string,
    part: ChordPart,
    options: StoreOptions & { size?: number } = {},
  ): Promise<ChordProgress> {
    this.#check('chordPartCompleted', options.signal);
    const copy = this.#copyIn(part, `chord part of ${groupId}`);
    const chord = this.#chords.get(groupId) ?? { size: undefined, parts: new Map() };
    const size = options.size ?? chord.size;
    if (size === undefined) {
      throw new TqError(ErrorCodes.INVALID_CONFIG, `chord ${groupId} has no size: call setChordSize or pass size`, {
        details: { groupId },
      });
    }
    checkChordSize(size);
    chord.size = size;
    chord.parts.set(copy.taskId, copy);
    if (chord.parts.size < size) {
      this.#chords.set(groupId, chord, this.#ttl(options));
      return { complete: false };
    }
    this.#chords.delete(groupId);
    const parts = [...chord.parts.values()].sort((a, b) => a.index - b.index);
    return { complete: true, parts };
  }

  #check(operation: string, signal: AbortSignal | undefined): void {
    if (this.#closed) throw new TqError(ErrorCodes.CLOSED, `cannot ${operation}: the memory backend is closed`);
    throwIfAborted(signal, operation);
  }

  #ttl(options: StoreOptions): number {
    return options.ttlMs === undefined ? this.#defaultTtlMs : checkTtl(options.ttlMs, 'ttlMs');
  }

  #copyIn<T>(value: T, what: string): T {
    let copy: T;
    try {
      copy = structuredClone(value);
    } catch (error) {
      throw new TqError(ErrorCodes.ENCODE, `${what} holds a value that cannot be stored (functions, symbols...)`, {
        cause: error,
      });
    }
    if (Number.isFinite(this.#maxValueBytes)) {
      const bytes = jsonBytes(copy, what);
      if (bytes > this.#maxValueBytes) {
        throw new TqError(ErrorCodes.MESSAGE_TOO_LARGE, `${what} is ${bytes} bytes, over the limit of ${this.#maxValueBytes}`, {
          details: { bytes, maxValueBytes: this.#maxValueBytes },
        });
      }
    }
    return copy;
  }
}

export function memoryBackend(options: MemoryBackendOptions = {}): MemoryResultBackend {
  return new MemoryResultBackend(options);
}

function checkTtl(ttlMs: number, name: string): number {
  if (typeof ttlMs !== 'number' || Number.isNaN(ttlMs) || ttlMs <= 0) {
    throw new TqError(ErrorCodes.INVALID_CONFIG, `${name} must be a positive number of ms (Infinity: never), got ${ttlMs}`);
  }
  return ttlMs;
}

function checkChordSize(size: number): void {
  if (!Number.isInteger(size) || size < 1) {
    throw new TqError(ErrorCodes.INVALID_CONFIG, `chord size must be a positive integer, got ${size}`);
  }
}

function jsonBytes(value: unknown, what: string): number {
  try {
    return Buffer.byteLength(JSON.stringify(value) ?? '', 'utf8');
  } catch (error) {
    throw new TqError(ErrorCodes.ENCODE, `${what} cannot be measured as JSON`, { cause: error });
  }
}
