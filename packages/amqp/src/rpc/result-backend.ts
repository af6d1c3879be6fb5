import { randomUUID } from 'node:crypto';
import type {
  ChordPart,
  ChordProgress,
  GroupMeta,
  ResultBackend,
  ResultBackendCapabilities,
  ResultBackendFactory,
  ResultMeta,
  SignalOptions,
  StoreOptions,
  TransportMessage,
  WaitOptions,
} from '@tq/core';
import { ErrorCodes, jsonSerializer, READY_STATES, SerializerRegistry, TqError, throwIfAborted } from '@tq/core';
import { rpcBackendCapabilities } from '../capabilities.js';
import { AmqpTransport } from '../transport.js';
import { bounded, closedError } from '../wait.js';
import type { RpcResultBackendOptions } from './options.js';
import { ResultBuffer } from './result-buffer.js';

interface Waiter {
  onMeta(meta: ResultMeta): void;
  onError(error: unknown): void;
}

/** Celery's wording (celery/backends/rpc.py E_NO_CHORD_SUPPORT), so users recognise it. */
const NO_CHORDS =
  'The "rpc" result backend does not support chords! Note that a group chained with a task is also upgraded to be a chord, ' +
  'as this pattern requires synchronization. Result backends that support chords: Redis, Memcached, SQLite.';

/**
 * Celery's `rpc://` result backend. Each client owns a reply queue (non-durable, auto-delete, `x-expires`),
 * sent as the task's `reply_to`; a worker publishes every state of the task to the default exchange with that
 * queue as routing key and the task id as `correlation_id`. Only the client that sent a task can read its
 * result; results for ids nobody asked about yet are buffered until asked for.
 */
export class RpcResultBackend implements ResultBackend {
  readonly capabilities: Readonly<ResultBackendCapabilities> = rpcBackendCapabilities;
  private readonly transport: AmqpTransport;
  private readonly ownsTransport: boolean;
  private readonly queue: string;
  private readonly serializer;
  private readonly serializers: SerializerRegistry;
  private readonly results: ResultBuffer;
  private readonly waiters = new Map<string, Set<Waiter>>();
  /** Replies that could not be decoded, by task id, for a waitFor that starts after they arrived (bounded). */
  private readonly undecodable = new Map<string, unknown>();
  private connecting: Promise<void> | undefined;
  private readonly stopConsuming = new AbortController();
  private closed = false;
  private consumeFailure: unknown;

  constructor(private readonly options: RpcResultBackendOptions) {
    if (options.transport) {
      this.transport = options.transport;
      this.ownsTransport = false;
    } else if (options.url) {
      this.transport = new AmqpTransport({ url: options.url, connectionName: 'tq-rpc-results' });
      this.ownsTransport = true;
    } else {
      throw new TqError(ErrorCodes.INVALID_CONFIG, 'rpc:// result backend needs the broker: pass { transport } or { url }');
    }
    this.queue = options.replyQueue ?? randomUUID();
    this.serializer = options.serializer ?? jsonSerializer;
    this.serializers = new SerializerRegistry([jsonSerializer, this.serializer, ...(options.serializers ?? [])]);
    this.results = new ResultBuffer(options.maxBuffered ?? 10_000);
  }

  /**
   * The reply queue; producers put it in every task's `reply_to`. Reading it starts declaring the queue, but a
   * producer should `await connect()` before its first task so no result can arrive before the queue exists.
   */
  get replyTo(): string {
    if (!this.closed) void this.connect().catch(() => {});
    return this.queue;
  }

  connect(options: SignalOptions = {}): Promise<void> {
    if (this.closed) return Promise.reject(closedError('rpc backend connect'));
    this.connecting ??= this.setUp().catch((error: unknown) => {
      this.connecting = undefined;
      throw error;
    });
    return bounded(this.connecting, Number.POSITIVE_INFINITY, () => closedError('connect'), options.signal, 'rpc backend connect');
  }

  async close(options: { force?: boolean } = {}): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.stopConsuming.abort();
    this.failWaiters(closedError('waitFor'));
    // Nobody else can read this queue. Delete it rather than leave it to x-expires: auto-delete only fires for a
    // queue that had a consumer, and a client closed early never had one.
    if (this.connecting) {
      await this.connecting.catch(() => {});
      await this.transport.deleteQueue(this.queue).catch(() => {});
    }
    if (this.ownsTransport) await this.transport.close(options);
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  /**
   * Sends `meta` to the client that sent the task: `options.replyTo` is the task's reply_to. A result for this
   * backend's own reply queue (or with no reply_to at all) is kept locally, since nobody else could read it.
   * A reply queue that no longer exists (its client is gone) makes the broker return the message:
   * TQ_BROKER_REFUSED.
   */
  async store(taskId: string, meta: ResultMeta, options: StoreOptions = {}): Promise<void> {
    if (this.closed) throw closedError('store');
    throwIfAborted(options.signal, 'store');
    // Encoded either way, so a local result reads exactly as a sent one would (and bad values fail the same).
    const body = this.serializer.encode({ ...meta, task_id: taskId });
    if (!options.replyTo || options.replyTo === this.queue) {
      this.accept(taskId, this.serializer.decode(body) as ResultMeta);
      return;
    }
    const message: TransportMessage = {
      body,
      contentType: this.serializer.contentType,
      contentEncoding: this.serializer.contentEncoding,
      headers: {},
      properties: { correlationId: options.correlationId ?? taskId, deliveryMode: this.options.persistent ? 2 : 1 },
    };
    await this.transport.publish(message, { queue: options.replyTo, ...(options.signal ? { signal: options.signal } : {}) });
  }

  async get(taskId: string, options: SignalOptions = {}): Promise<ResultMeta | undefined> {
    await this.connect(options);
    return this.results.get(taskId);
  }

  async waitFor(taskId: string, options: WaitOptions = {}): Promise<ResultMeta> {
    await this.connect(options);
    if (this.closed) throw closedError('waitFor');
    const known = this.results.get(taskId);
    if (known && READY_STATES.has(known.status)) return known;
    if (this.consumeFailure) throw this.consumeFailure;
    const refused = this.undecodable.get(taskId);
    if (refused !== undefined) {
      this.undecodable.delete(taskId);
      throw refused;
    }
    let waiter!: Waiter;
    const arrived = new Promise<ResultMeta>((resolve, reject) => {
      waiter = {
        onMeta: (meta) => {
          if (READY_STATES.has(meta.status)) resolve(meta);
        },
        onError: reject,
      };
    });
    const waiters = this.waiters.get(taskId) ?? new Set();
    waiters.add(waiter);
    this.waiters.set(taskId, waiters);
    try {
      return await bounded(
        arrived,
        options.timeoutMs ?? Number.POSITIVE_INFINITY,
        () => new TqError(ErrorCodes.TIMEOUT, `no result for task ${taskId} within ${options.timeoutMs} ms`, { retryable: true, details: { taskId } }),
        options.signal,
        'waitFor',
      );
    } finally {
      waiters.delete(waiter);
      if (waiters.size === 0) this.waiters.delete(taskId);
    }
  }

  /** Only forgets the local copy: the broker keeps nothing once a reply is consumed (Celery: no server effect). */
  async forget(taskId: string, options: SignalOptions = {}): Promise<void> {
    if (this.closed) throw closedError('forget');
    throwIfAborted(options.signal, 'forget');
    this.results.delete(taskId);
  }

  async saveGroup(_groupId: string, _meta: GroupMeta): Promise<void> {
    throw notSupported('saveGroup: the rpc:// backend cannot save groups (Celery: save_group is not supported by this backend)');
  }

  async getGroup(_groupId: string): Promise<GroupMeta | undefined> {
    throw notSupported('getGroup: the rpc:// backend cannot restore groups (Celery: restore_group is not supported by this backend)');
  }

  async forgetGroup(_groupId: string): Promise<void> {
    throw notSupported('forgetGroup: the rpc:// backend keeps no groups');
  }

  async setChordSize(_groupId: string, _size: number): Promise<void> {
    throw notSupported(NO_CHORDS);
  }

  async chordPartCompleted(_groupId: string, _part: ChordPart): Promise<ChordProgress> {
    throw notSupported(NO_CHORDS);
  }

  private async setUp(): Promise<void> {
    await this.transport.declareQueue({
      name: this.queue,
      durable: false,
      autoDelete: this.options.autoDelete ?? true,
      arguments: { 'x-expires': this.options.expiresMs ?? 86_400_000 },
    });
    void this.consume();
  }

  private async consume(): Promise<void> {
    try {
      for await (const delivery of this.transport.consume([this.queue], { prefetch: 256, signal: this.stopConsuming.signal })) {
        this.receive(delivery.message);
        await delivery.ack().catch(() => {});
      }
    } catch (error) {
      // The reply queue is gone and cannot be declared again: every waiter must hear about it.
      if (this.closed) return;
      this.consumeFailure = error;
      this.failWaiters(error);
    }
  }

  private failWaiters(error: unknown): void {
    for (const waiters of this.waiters.values()) for (const waiter of waiters) waiter.onError(error);
    this.waiters.clear();
  }

  private receive(message: TransportMessage): void {
    let meta: ResultMeta;
    try {
      const decoded = this.serializers.require(message.contentType || 'application/json').decode(message.body) as ResultMeta;
      if (typeof decoded !== 'object' || decoded === null || typeof decoded.status !== 'string') return;
      meta = decoded;
    } catch (error) {
      // A reply someone waits for but cannot decode fails that wait at once (with the reason) instead of timing out.
      const taskId = message.properties.correlationId;
      const waiting = taskId ? this.waiters.get(taskId) : undefined;
      if (waiting) {
        this.waiters.delete(taskId!);
        for (const waiter of waiting) waiter.onError(error);
      } else if (taskId) {
        // The reply can beat the caller's waitFor: keep the reason so that wait fails at once too.
        this.undecodable.set(taskId, error);
        if (this.undecodable.size > 1000) this.undecodable.delete(this.undecodable.keys().next().value!);
      }
      return;
    }
    const taskId = message.properties.correlationId ?? (typeof meta.task_id === 'string' ? meta.task_id : undefined);
    if (!taskId) return;
    meta.task_id ??= taskId;
    this.accept(taskId, meta);
  }

  private accept(taskId: string, meta: ResultMeta): void {
    this.results.set(taskId, meta);
    const waiters = this.waiters.get(taskId);
    if (waiters) for (const waiter of [...waiters]) waiter.onMeta(this.results.get(taskId)!);
  }
}

function notSupported(message: string): TqError {
  return new TqError(ErrorCodes.NOT_SUPPORTED, message);
}

export function createRpcResultBackend(options: RpcResultBackendOptions): RpcResultBackend {
  return new RpcResultBackend(options);
}

/**
 * For URL-driven composition: `rpc://` uses the broker, given as `options.transport` (an AmqpTransport, sharing
 * its connection), else `options.brokerUrl`, else the TQ_BROKER_URL environment variable.
 */
export const rpcResultBackend: ResultBackendFactory = (url, options = {}) => {
  if (!/^rpc:\/\//i.test(url)) throw new TqError(ErrorCodes.INVALID_URL, `rpc result backend URL must be rpc://, got ${url}`);
  const transport = options.transport instanceof AmqpTransport ? options.transport : undefined;
  const brokerUrl = typeof options.brokerUrl === 'string' ? options.brokerUrl : process.env.TQ_BROKER_URL;
  if (!transport && !brokerUrl) {
    throw new TqError(ErrorCodes.INVALID_CONFIG, 'rpc:// needs the AMQP broker: pass backendOptions { transport } or { brokerUrl }, or set TQ_BROKER_URL');
  }
  return new RpcResultBackend({ ...(options as RpcResultBackendOptions), ...(transport ? { transport } : {}), ...(brokerUrl ? { url: brokerUrl } : {}) });
};
