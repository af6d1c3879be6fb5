import { randomUUID } from 'node:crypto';
import type { ResultBackend } from '../contracts/result-backend.js';
import type { Transport } from '../contracts/transport.js';
import { ErrorCodes, TqError } from '../errors/tq-error.js';
import { newTaskId, originName } from '../protocol/index.js';
import { type CompressorRegistry, type SerializerRegistry, defaultCompressors, defaultSerializers } from '../serialization/index.js';
import { registerAdapter, resolveBackend, resolveTransport, urlScheme } from './adapter-registry.js';
import { DEFAULT_BROKER_URL, DEFAULT_QUEUE, DEFAULT_RESULT_EXPIRES_SECONDS, type AppConfig } from './app-config.js';
import { AsyncResult } from './async-result.js';
import { registerCanvasBuiltins } from '../canvas/builtins.js';
import { type PublishPlan, planMessage, publishPlan } from './producer.js';
import { type SendManyOptions, sendMany, type TaskCall } from './send-many.js';
import { routeFor } from './routing.js';
import { createTask, type PendingResult, type Task, type TaskArgs, type TaskHandler, type TaskResult } from './task.js';
import { maybeCurrentTask } from './task-context.js';
import type { ApplyOptions, TaskOptions } from './task-options.js';

const APP_MARK = Symbol.for('tq.app');

/**
 * The app: the task registry plus how to reach the broker and the result backend. Both producers and workers
 * use it; connections open lazily on first use.
 */
export class App implements AsyncDisposable {
  readonly [APP_MARK] = true;
  readonly name: string;
  readonly tasks = new Map<string, Task<any>>();
  readonly serializers: SerializerRegistry;
  readonly compressors: CompressorRegistry;
  /** This client's id, sent as `reply_to` (Celery's app.thread_oid). */
  readonly oid = randomUUID();
  readonly origin = originName();
  private brokerSetting: string | Transport;
  private backendSetting: string | ResultBackend | null;
  private transportInstance: Transport | undefined;
  private backendInstance: ResultBackend | null | undefined;

  constructor(readonly config: AppConfig = {}) {
    this.name = config.name ?? 'tq';
    for (const adapter of config.adapters ?? []) registerAdapter(adapter);
    this.serializers = defaultSerializers();
    for (const serializer of config.serializers ?? []) this.serializers.register(serializer);
    this.compressors = defaultCompressors();
    for (const compressor of config.compressors ?? []) this.compressors.register(compressor);
    this.brokerSetting = config.broker ?? process.env.TQ_BROKER_URL ?? DEFAULT_BROKER_URL;
    this.backendSetting = config.backend !== undefined ? config.backend : (process.env.TQ_RESULT_BACKEND ?? defaultBackendFor(this.brokerSetting));
    registerCanvasBuiltins(this);
  }

  static isApp(value: unknown): value is App {
    return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[APP_MARK] === true;
  }

  get defaultQueue(): string {
    return this.config.defaultQueue ?? DEFAULT_QUEUE;
  }

  get resultExpiresMs(): number {
    return (this.config.resultExpires ?? DEFAULT_RESULT_EXPIRES_SECONDS) * 1000;
  }

  /** Register a task. The handle's delay/applyAsync are typed by the handler's parameters and return type. */
  task<F extends TaskHandler>(name: string, handler: F, options: TaskOptions = {}): Task<F> {
    if (this.tasks.has(name)) throw new TqError(ErrorCodes.INVALID_CONFIG, `task ${name} is already registered`);
    const task = createTask(this, name, handler, { ...this.config.taskDefaults, ...options });
    this.tasks.set(name, task);
    return task;
  }

  /** Replace the broker and/or backend (the `tq` command does this for --broker / --result-backend). */
  configure(settings: { broker?: string | Transport; backend?: string | ResultBackend | null }): void {
    if (this.transportInstance || this.backendInstance) {
      throw new TqError(ErrorCodes.INVALID_CONFIG, 'configure() must be called before the app connects');
    }
    if (settings.broker !== undefined) this.brokerSetting = settings.broker;
    if (settings.backend !== undefined) this.backendSetting = settings.backend;
  }

  get transport(): Transport {
    this.transportInstance ??=
      typeof this.brokerSetting === 'string' ? resolveTransport(this.brokerSetting, this.config.brokerOptions) : this.brokerSetting;
    return this.transportInstance;
  }

  /** The result backend, or undefined when results are disabled. */
  get backend(): ResultBackend | undefined {
    if (this.backendInstance === undefined) {
      const setting = this.backendSetting;
      // Reply-queue backends (rpc://) ride on the broker, so URL factories are told what it is.
      const options = {
        brokerUrl: typeof this.brokerSetting === 'string' ? this.brokerSetting : undefined,
        serializer: this.serializers.require(this.config.resultSerializer ?? 'json'),
        serializers: this.serializers.list(),
        ...this.config.backendOptions,
      };
      this.backendInstance = setting === null ? null : typeof setting === 'string' ? resolveBackend(setting, options) : setting;
    }
    return this.backendInstance ?? undefined;
  }

  requireBackend(): ResultBackend {
    const backend = this.backend;
    if (!backend) throw new TqError(ErrorCodes.INVALID_CONFIG, 'no result backend is configured (set backend in createApp or --result-backend)');
    return backend;
  }

  AsyncResult<T = unknown>(taskId: string): AsyncResult<T> {
    return new AsyncResult<T>(taskId, () => this.requireBackend());
  }

  /** The AsyncResult of a task just sent; one that ignores its result says so instead of waiting forever. */
  resultOfSent<T = unknown>(taskId: string, name: string, options: ApplyOptions): AsyncResult<T> {
    const ignored = options.ignoreResult ?? this.tasks.get(name)?.options.ignoreResult ?? false;
    return new AsyncResult<T>(taskId, () => this.requireBackend(), ignored);
  }

  /** Send a task by name. With a type-only import: `app.sendTask<typeof add>('tasks.add', [1, 2])`. */
  sendTask<T extends Task<any> = Task<(...args: any[]) => unknown>>(
    name: string,
    args: TaskArgs<T['handler']> | unknown[] = [],
    kwargs: Record<string, unknown> = {},
    options: ApplyOptions = {},
  ): PendingResult<TaskResult<T['handler']>> {
    const taskId = options.taskId ?? newTaskId();
    const sent = this.publishTask(taskId, name, args as unknown[], kwargs, options).then(() =>
      this.resultOfSent<TaskResult<T['handler']>>(taskId, name, options),
    );
    return Object.assign(sent, {
      id: taskId,
      get: (getOptions?: Parameters<AsyncResult['get']>[0]) => sent.then((result) => result.get(getOptions)),
    });
  }

  /**
   * Send many tasks with few broker round trips (BullMQ's addBulk): messages go out through the transport's
   * publishBatch, `batchSize` (default 1000) at a time. Resolves with one AsyncResult per call, in order, once the
   * broker has every message. A call that cannot be planned or encoded rejects the whole sendTasks before its own
   * batch goes out (batches sent before it stay sent).
   */
  sendTasks(calls: Iterable<TaskCall>, options: SendManyOptions = {}): Promise<AsyncResult[]> {
    return sendMany(this, calls, options);
  }

  /** Build and publish one task message. Used by sendTask, retries and canvas. */
  async publishTask(taskId: string, name: string, args: unknown[], kwargs: Record<string, unknown>, options: ApplyOptions): Promise<void> {
    await this.ensureReplyQueue(options.signal);
    await publishPlan(this.transport, this.planTask(taskId, name, args, kwargs, options), options);
  }

  /** A reply-queue backend (rpc://) must have its queue before any task can finish, or the result would be lost. */
  async ensureReplyQueue(signal?: AbortSignal): Promise<void> {
    const backend = this.backend;
    if (backend?.replyTo !== undefined) await backend.connect(signal ? { signal } : undefined);
  }

  /** Where and how one task message goes: routing, serializer, compression, parent ids, reply queue. */
  planTask(taskId: string, name: string, args: unknown[], kwargs: Record<string, unknown>, options: ApplyOptions): PublishPlan {
    const taskOptions = this.tasks.get(name)?.options ?? this.config.taskDefaults ?? {};
    const serializerName = options.serializer ?? taskOptions.serializer ?? this.config.taskSerializer ?? 'json';
    const compressionName = options.compression ?? taskOptions.compression ?? this.config.compression;
    const running = maybeCurrentTask();
    const backend = this.backend;
    return planMessage({
      taskId,
      taskName: name,
      taskArgs: args,
      kwargs,
      options,
      taskOptions,
      route: routeFor(this.config.routes, name),
      defaultQueue: this.defaultQueue,
      origin: this.origin,
      replyTo: backend?.replyTo ?? this.oid,
      parent: running ? { id: running.request.id, rootId: running.request.rootId } : undefined,
      serializer: this.serializers.require(serializerName),
      compressor: compressionName ? this.compressors.require(compressionName) : undefined,
      canDelay: this.transport.capabilities.delayedDelivery,
    });
  }

  async close(): Promise<void> {
    const closing: Promise<void>[] = [];
    if (this.transportInstance) closing.push(this.transportInstance.close());
    if (this.backendInstance) closing.push(this.backendInstance.close());
    await Promise.all(closing);
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }
}

/** Create an app: `export const app = createApp({ broker: 'redis://localhost' })`. */
export function createApp(config: AppConfig = {}): App {
  return new App(config);
}

/** SQLite holds results in the same file by default; other brokers get no backend unless one is configured. */
function defaultBackendFor(broker: string | Transport): string | null {
  if (typeof broker !== 'string') return null;
  try {
    return urlScheme(broker) === 'sqlite' ? broker : null;
  } catch {
    return null;
  }
}
