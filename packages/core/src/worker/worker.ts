import { hostname as osHostname } from 'node:os';
import type { Pool } from '../contracts/pool.js';
import { States, type ResultMeta } from '../contracts/result-backend.js';
import type { Delivery } from '../contracts/transport.js';
import { ErrorCodes, TqError } from '../errors/tq-error.js';
import type { TaskMessage } from '../protocol/task-message.js';
import { sleep } from '../app/sleep.js';
import { createPool, defaultConcurrency } from '../pools/pool-factory.js';
import { handleDelivery } from './handle-delivery.js';
import { failureMeta } from './result-meta.js';
import { consoleLogger } from './logger.js';
import type { WorkerRuntime } from './runtime.js';
import type { WorkerOptions } from './worker-options.js';
import { sharedAbortController } from '../app/shared-abort-controller.js';

type WorkerState = 'new' | 'running' | 'stopping' | 'stopped';

/**
 * Consumes task messages and runs them. `start()` returns once consuming has begun; `close()` is a warm shutdown
 * (stop consuming, finish running tasks, hand held messages back); `close({ force: true })` is a cold one.
 */
export class Worker implements AsyncDisposable {
  readonly hostname: string;
  readonly queues: readonly string[];
  readonly concurrency: number;
  readonly prefetch: number;
  private state: WorkerState = 'new';
  private readonly consumeController = sharedAbortController();
  private readonly holdController = sharedAbortController();
  private cold = false;
  /** Deliveries being handled (a count, not a set of promises: one less allocation and closure per task). */
  private active = 0;
  private consuming: Promise<void> | undefined;
  private readonly runtime: WorkerRuntime;
  private idleWaiters: Array<() => void> = [];
  /** A running worker keeps the process alive even when its transport waits on nothing Node counts (in-process). */
  private keepAlive: NodeJS.Timeout | undefined;

  constructor(private readonly options: WorkerOptions) {
    const { app } = options;
    if (options.transport || options.backend !== undefined) {
      app.configure({ broker: options.transport, backend: options.backend });
    }
    const poolName = typeof options.pool === 'string' || options.pool === undefined ? (options.pool ?? 'async') : options.pool.name;
    this.concurrency =
      options.poolOptions?.autoscale?.max ??
      options.concurrency ??
      (typeof options.pool === 'object' ? options.pool.concurrency : defaultConcurrency(poolName));
    const logger = options.logger ?? consoleLogger();
    const pool: Pool =
      typeof options.pool === 'object'
        ? options.pool
        : createPool(poolName, {
            app,
            concurrency: options.concurrency ?? this.concurrency,
            appModule: options.appModule,
            poolOptions: options.poolOptions,
            logger,
            appSettings: options.appSettings,
          });
    this.prefetch = Math.max(1, this.concurrency * (options.prefetchMultiplier ?? 4));
    this.hostname = options.hostname ?? `tq@${osHostname()}`;
    this.queues = options.queues?.length ? options.queues : [app.defaultQueue];
    const backend = app.backend;
    this.runtime = {
      app,
      transport: app.transport,
      backend,
      pool,
      hostname: this.hostname,
      logger,
      accept: options.accept ?? app.config.accept ?? ['json'],
      maxDeliveries: options.maxDeliveries ?? 10,
      etaHoldMs: options.etaHoldMs ?? 2000,
      eagerEta: options.eagerEta ?? false,
      leaseHeartbeatMs: options.leaseHeartbeatMs ?? (Number(process.env.TQ_LEASE_HEARTBEAT_MS) || 10_000),
      revoked: new Set(),
      rateLimiters: new Map(),
      holdSignal: this.holdController.signal,
      coldShutdown: () => this.cold,
      storeResult: (message, meta) => this.storeResult(message, meta),
      storesResult: (message) => backend !== undefined && !message.ignoreResult,
    };
  }

  get logger() {
    return this.runtime.logger;
  }

  /** Ids the worker will drop instead of running (remote control's revoke fills it). */
  get revoked(): Set<string> {
    return this.runtime.revoked;
  }

  async start(options: { signal?: AbortSignal } = {}): Promise<void> {
    if (this.state !== 'new') throw new TqError(ErrorCodes.INVALID_CONFIG, `worker already ${this.state}`);
    this.state = 'running';
    const { transport, backend, pool, logger } = this.runtime;
    await transport.connect(options);
    await backend?.connect(options);
    await pool.start(options);
    for (const queue of this.queues) await transport.declareQueue({ name: queue, durable: true }, options);
    logger.info(`worker ${this.hostname} consuming`, { queues: this.queues.join(','), pool: pool.name, concurrency: this.concurrency, prefetch: this.prefetch });
    this.keepAlive = setInterval(() => undefined, 1 << 30);
    this.consuming = this.consumeLoop();
  }

  /** Resolves when no delivery is being handled (used by test mode and by drain benchmarks). */
  whenIdle(): Promise<void> {
    if (this.active === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  get activeCount(): number {
    return this.active;
  }

  async close(options: { force?: boolean } = {}): Promise<void> {
    if (this.state === 'stopped' || this.state === 'new') {
      this.state = 'stopped';
      return;
    }
    if (options.force) this.cold = true;
    if (this.state === 'stopping' && !options.force) return this.stopped();
    this.state = 'stopping';
    this.runtime.logger.info(`worker ${this.hostname} ${options.force ? 'cold' : 'warm'} shutdown`, { active: this.active });
    this.consumeController.abort();
    this.holdController.abort();
    // Closing the pool first releases jobs still waiting for a slot (their messages are handed back); a warm close
    // then waits for the running ones, a cold one stops them.
    const poolClosed = this.runtime.pool.close({ force: this.cold });
    await this.stopped();
    await poolClosed;
    await this.options.app.close();
    clearInterval(this.keepAlive);
    this.state = 'stopped';
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  private async stopped(): Promise<void> {
    await this.consuming;
    await this.whenIdle();
  }

  private async consumeLoop(): Promise<void> {
    const { transport, logger } = this.runtime;
    const signal = this.consumeController.signal;
    let backoffMs = 100;
    while (!signal.aborted) {
      try {
        for await (const delivery of transport.consume(this.queues, { prefetch: this.prefetch, signal })) {
          backoffMs = 100;
          void this.track(delivery);
        }
      } catch (error) {
        if (signal.aborted) break;
        if (TqError.is(error, ErrorCodes.CLOSED)) {
          logger.error('the transport was closed under the worker; it stops consuming', { error });
          break;
        }
        logger.error('consuming failed; retrying', { error, retryInMs: backoffMs });
        await sleep(backoffMs, signal).catch(() => undefined);
        backoffMs = Math.min(backoffMs * 2, 5000);
      }
    }
  }

  private async track(delivery: Delivery): Promise<void> {
    this.active++;
    try {
      await handleDelivery(this.runtime, delivery);
    } finally {
      this.active--;
      if (this.active === 0 && this.idleWaiters.length > 0) for (const resolve of this.idleWaiters.splice(0)) resolve();
    }
  }

  /**
   * A result the backend refuses for what it is (too large, not encodable) would fail the same way on every
   * redelivery, so it is stored as a FAILURE saying why instead; other store errors propagate (the message is
   * handed back and retried).
   */
  private async storeResult(message: TaskMessage, meta: ResultMeta): Promise<void> {
    const backend = this.runtime.backend;
    if (!backend || !this.runtime.storesResult(message)) return;
    const options = { ttlMs: this.options.app.resultExpiresMs, replyTo: message.replyTo ?? undefined, correlationId: message.correlationId };
    try {
      await backend.store(message.id, meta, options);
    } catch (error) {
      const refused = TqError.is(error, ErrorCodes.MESSAGE_TOO_LARGE) || TqError.is(error, ErrorCodes.ENCODE);
      if (!refused || meta.status === States.FAILURE) throw error;
      this.runtime.logger.error(`result of ${message.task}[${message.id}] refused by the backend; storing a failure`, { code: error.code, error });
      await backend.store(message.id, failureMeta(message, error, { worker: this.hostname, queue: String(meta.queue ?? '') }), options);
    }
  }
}

export function createWorker(options: WorkerOptions): Worker {
  return new Worker(options);
}
