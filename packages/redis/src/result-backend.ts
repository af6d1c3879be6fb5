import {
  abortError,
  type ChordPart,
  type ChordProgress,
  ErrorCodes,
  type GroupMeta,
  jsonSerializer,
  type ResultBackend,
  type ResultMeta,
  type Serializer,
  type SignalOptions,
  type StoreOptions,
  throwIfAborted,
  TqError,
  type WaitOptions,
} from '@tq/core';
import type { RedisOptions } from 'ioredis';
import { REDIS_BACKEND_CAPABILITIES } from './capabilities.js';
import { closeConnection, createConnection, ReadyGate, type RedisClient } from './connection.js';
import { clusterKeyPrefix, type RedisClusterOption, withClusterOption } from './cluster.js';
import { closedError, toTqError } from './errors.js';
import { DEFAULT_URL } from './options.js';
import { isPlainJson } from './plain-json.js';
import { pythonJson } from './python-json.js';
import { ResultWaiter } from './result-waiter.js';
import { CHORD_PART_LUA, STORE_RESULT_LUA, STORE_RESULTS_LUA } from './scripts/backend.js';
import { ScriptBatcher } from './script-batcher.js';
import { LuaScript } from './scripts/script.js';
import { Subscriber } from './subscriber.js';
import { parseRedisUrl, type RedisConnectionConfig } from './url.js';

export interface RedisResultBackendOptions {
  /** @default 'redis://127.0.0.1:6379/0' */
  url?: string;
  /**
   * Celery's `result_backend_transport_options.global_keyprefix`: prepended to every key, followed by `_` unless
   * it already ends in one of `:_-.` (Celery ≥ 5.4 rule). @default ''
   */
  keyPrefix?: string;
  /**
   * Redis Cluster mode (a `redis+cluster://` URL asks for it too). The key prefix must then contain a hash tag
   * (default '{tq}:'), so a group's chord keys and the keys one MGET reads share a slot. Not Celery-compatible.
   */
  cluster?: RedisClusterOption;
  /** Celery's `result_expires`; 0 keeps results forever. @default 86_400_000 (1 day) */
  defaultTtlMs?: number;
  /**
   * Encodes stored metas and group results. Default: core's `jsonSerializer` (kombu-compatible JSON). A serializer
   * whose output is not JSON disables the server-side "never overwrite SUCCESS" check, which reads JSON.
   */
  serializer?: Pick<Serializer, 'encode' | 'decode'>;
  masterName?: string;
  /** @default 10_000 */
  connectTimeoutMs?: number;
  redis?: RedisOptions;
}

const STORE = new LuaScript(STORE_RESULT_LUA);
const STORE_MANY = new LuaScript(STORE_RESULTS_LUA);
/** How long a completed chord answers its completing task again (a reply lost with the connection). */
const TOMBSTONE_MS = 600_000;
const CHORD_PART = new LuaScript(CHORD_PART_LUA);

/**
 * Celery's Redis result backend, key for key: `celery-task-meta-<id>` (set and PUBLISHed atomically, never over a
 * SUCCESS), `celery-taskset-meta-<gid>` for saved groups, and the chord keys `.j` (sorted set of encoded
 * `[1, task_id, state, result]` scored by group index), `.t` and `.s`.
 */
export class RedisResultBackend implements ResultBackend {
  readonly capabilities = REDIS_BACKEND_CAPABILITIES;
  readonly config: RedisConnectionConfig;
  private readonly prefix: string;
  private readonly serializer: Pick<Serializer, 'encode' | 'decode'>;
  private readonly ttlMs: number;
  private readonly connectTimeoutMs: number;
  private client: RedisClient | undefined;
  private readonly subscriber: Subscriber;
  private readonly waiter: ResultWaiter;
  private readonly gate: ReadyGate;
  private closed = false;
  /** Stores of one turn share one script run (see script-batcher.ts). */
  private readonly stores = new ScriptBatcher(STORE, () => this.command(), { script: STORE_MANY, argsPerCall: 2 });

  constructor(private readonly options: RedisResultBackendOptions = {}) {
    const parsed = parseRedisUrl(options.url ?? DEFAULT_URL, options.masterName ? { masterName: options.masterName } : {});
    this.config = withClusterOption({ ...parsed, options: { ...parsed.options, ...options.redis } }, options.cluster);
    const prefix = this.config.kind === 'cluster' ? clusterKeyPrefix(options.keyPrefix, 'the result backend') : (options.keyPrefix ?? '');
    this.prefix = prefix && !':_-.'.includes(prefix.at(-1) as string) ? `${prefix}_` : prefix;
    this.ttlMs = options.defaultTtlMs ?? 86_400_000;
    this.serializer = options.serializer ?? jsonSerializer;
    this.connectTimeoutMs = options.connectTimeoutMs ?? 10_000;
    if (!(this.ttlMs >= 0)) throw new TqError(ErrorCodes.INVALID_CONFIG, `@tq/redis: bad defaultTtlMs ${this.ttlMs}`);
    this.subscriber = new Subscriber(this.config, 'results');
    this.waiter = new ResultWaiter({
      subscriber: this.subscriber,
      read: (keys) => this.command().mgetBuffer(...keys),
      decode: (value) => this.decodeMeta(value),
    });
    this.gate = new ReadyGate(() => this.command(), this.connectTimeoutMs, 'the Redis result backend');
  }

  taskKey(taskId: string): string {
    return `${this.prefix}celery-task-meta-${taskId}`;
  }

  groupKey(groupId: string, suffix = ''): string {
    return `${this.prefix}celery-taskset-meta-${groupId}${suffix}`;
  }

  /** How many task ids currently have a waiter (and so a subscription). */
  get pendingWaits(): number {
    return this.waiter.pendingKeys;
  }

  async connect(options: SignalOptions = {}): Promise<void> {
    throwIfAborted(options.signal, 'connect');
    await this.gate.wait(options.signal);
  }

  async close(options: { force?: boolean } = {}): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.waiter.rejectAll(closedError('waitFor (backend closed)'));
    await Promise.allSettled([this.subscriber.close(options.force), this.client ? closeConnection(this.client, options.force) : undefined]);
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  async store(taskId: string, meta: ResultMeta, options: StoreOptions = {}): Promise<void> {
    await this.ready(options.signal);
    const value = this.encode(meta.task_id === undefined ? { ...meta, task_id: taskId } : meta);
    await this.attempt('store', () => this.stores.run([this.taskKey(taskId)], [value, this.ttlFor(options)]));
  }

  async get(taskId: string, options: SignalOptions = {}): Promise<ResultMeta | undefined> {
    await this.ready(options.signal);
    const value = await this.attempt('get', () => this.command().getBuffer(this.taskKey(taskId)));
    return value ? this.decodeMeta(value) : undefined;
  }

  async waitFor(taskId: string, options: WaitOptions = {}): Promise<ResultMeta> {
    await this.ready(options.signal);
    return this.waiter.wait(this.taskKey(taskId), options);
  }

  async forget(taskId: string, options: SignalOptions = {}): Promise<void> {
    await this.ready(options.signal);
    await this.attempt('forget', () => this.command().del(this.taskKey(taskId)));
  }

  async saveGroup(groupId: string, meta: GroupMeta, options: StoreOptions = {}): Promise<void> {
    await this.ready(options.signal);
    const value = this.encode({ result: meta.result, ...(meta.date_done ? { date_done: meta.date_done } : {}) });
    await this.attempt('saveGroup', () => this.setWithTtl(this.groupKey(groupId), value, options));
  }

  async getGroup(groupId: string, options: SignalOptions = {}): Promise<GroupMeta | undefined> {
    await this.ready(options.signal);
    const value = await this.attempt('getGroup', () => this.command().getBuffer(this.groupKey(groupId)));
    if (!value) return undefined;
    const decoded = this.decode(value, 'group');
    if (typeof decoded !== 'object' || decoded === null || !('result' in decoded)) {
      throw new TqError(ErrorCodes.DECODE, `group ${groupId} is not stored as {"result": ...}`, { details: { groupId } });
    }
    const record = decoded as { result: unknown; date_done?: unknown };
    return { group_id: groupId, result: record.result, date_done: typeof record.date_done === 'string' ? record.date_done : null };
  }

  async forgetGroup(groupId: string, options: SignalOptions = {}): Promise<void> {
    await this.ready(options.signal);
    await this.attempt('forgetGroup', () => this.command().del(this.groupKey(groupId)));
  }

  async setChordSize(groupId: string, size: number, options: StoreOptions = {}): Promise<void> {
    await this.ready(options.signal);
    if (!Number.isInteger(size) || size < 0) throw new TqError(ErrorCodes.INVALID_CONFIG, `chord size must be a whole number, got ${size}`);
    // Celery's set_chord_size goes through `set`: SETEX + PUBLISH of the bare number. A new chord under this
    // group id starts clean of tq's own bookkeeping.
    await this.attempt('setChordSize', async () => {
      await this.command().del(this.groupKey(groupId, '.tqdone'), this.groupKey(groupId, '.tqp'));
      await this.setWithTtl(this.groupKey(groupId, '.s'), String(size), options);
    });
  }

  async chordPartCompleted(groupId: string, part: ChordPart, options: StoreOptions & { size?: number } = {}): Promise<ChordProgress> {
    await this.ready(options.signal);
    const member = this.chordMember(part);
    const score = Number.isFinite(part.index) ? String(part.index) : '+inf';
    const keys = ['.j', '.t', '.s', '.tqp', '.tqdone'].map((suffix) => this.groupKey(groupId, suffix));
    const ttl = this.ttlFor(options);
    const tombstoneMs = Math.min(Number(ttl) || TOMBSTONE_MS, TOMBSTONE_MS);
    const args = [member, score, ttl, options.size === undefined ? '' : String(options.size), part.taskId, tombstoneMs];
    const reply = (await this.attempt('chordPartCompleted', () => CHORD_PART.run(this.command(), keys, args))) as [number, number, string[]?];
    if (reply[0] !== 1) return { complete: false };
    const flat = reply[2] ?? [];
    const parts: ChordPart[] = [];
    for (let i = 0; i < flat.length; i += 2) {
      const decoded = this.decode(Buffer.from(flat[i] as string), 'chord part');
      if (!Array.isArray(decoded) || decoded.length < 4) {
        throw new TqError(ErrorCodes.DECODE, `chord ${groupId} holds a part that is not [1, task_id, state, result]`, { details: { groupId } });
      }
      const scoreText = flat[i + 1] as string;
      parts.push({
        taskId: String(decoded[1]),
        state: String(decoded[2]),
        result: decoded[3],
        index: scoreText === 'inf' || scoreText === '+inf' ? Number.POSITIVE_INFINITY : Number(scoreText),
      });
    }
    return { complete: true, parts };
  }

  private command(): RedisClient {
    if (this.closed) throw closedError('result backend');
    this.client ??= createConnection(this.config, 'command', { connectionName: 'tq:results' });
    return this.client;
  }

  private async ready(signal: AbortSignal | undefined): Promise<void> {
    if (signal?.aborted) throw abortError(signal, 'result backend');
    if (this.closed) throw closedError('result backend');
    await this.gate.wait(signal);
  }

  private async setWithTtl(key: string, value: string | Buffer, options: StoreOptions): Promise<void> {
    const ttl = Number(this.ttlFor(options));
    const pipeline = this.command().pipeline();
    if (ttl > 0) pipeline.set(key, value, 'PX', ttl);
    else pipeline.set(key, value);
    pipeline.publish(key, value);
    const results = await pipeline.exec();
    const failure = results?.find(([error]) => error)?.[0];
    if (failure) throw failure;
  }

  private ttlFor(options: StoreOptions): string {
    const ttl = options.ttlMs ?? this.ttlMs;
    return String(Math.max(0, Math.round(ttl)));
  }

  private encode(value: unknown): Buffer {
    // Core's default JSON serializer (the app passes it) writes plain values exactly as JSON.stringify does, only
    // slower (a replacer call per key).
    if (this.serializer === jsonSerializer && isPlainJson(value)) return Buffer.from(JSON.stringify(value) ?? 'null', 'utf8');
    const bytes = this.serializer.encode(value);
    return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  /**
   * `[1, task_id, state, result]` written as Python's json.dumps writes it when the values are plain JSON, so a
   * part reported by a Celery worker and by a tq worker is one member of `.j`, not two; anything else (bytes,
   * dates) goes through the serializer.
   */
  private chordMember(part: ChordPart): string | Buffer {
    const tuple = [1, part.taskId, part.state, part.result];
    if (!this.options.serializer) {
      try {
        return pythonJson(tuple);
      } catch {
        // not plain JSON: the serializer knows how (or refuses with TQ_ENCODE)
      }
    }
    return this.encode(tuple);
  }

  private decode(value: Buffer, what: string): unknown {
    try {
      return this.serializer.decode(new Uint8Array(value.buffer, value.byteOffset, value.byteLength));
    } catch (cause) {
      if (TqError.is(cause)) throw cause;
      throw new TqError(ErrorCodes.DECODE, `a stored ${what} could not be decoded`, { cause });
    }
  }

  private decodeMeta(value: Buffer): ResultMeta {
    const meta = this.decode(value, 'result');
    if (typeof meta !== 'object' || meta === null || typeof (meta as { status?: unknown }).status !== 'string') {
      throw new TqError(ErrorCodes.DECODE, 'a stored result has no status', { details: { preview: value.subarray(0, 120).toString('utf8') } });
    }
    return meta as ResultMeta;
  }

  private async attempt<T>(what: string, operation: () => Promise<T>): Promise<T> {
    try {
      return await operation();
    } catch (error) {
      throw toTqError(error, what);
    }
  }
}

/** Builds a backend from a URL (the `tq` command's factory signature). */
export function redisResultBackend(url?: string, options: Omit<RedisResultBackendOptions, 'url'> = {}): RedisResultBackend {
  return new RedisResultBackend({ ...options, ...(url ? { url } : {}) });
}
