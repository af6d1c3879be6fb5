import { existsSync } from 'node:fs';
import type { Pool, PoolJob, PoolOutcome } from '../../contracts/pool.js';
import type { SignalOptions } from '../../contracts/transport.js';
import { ErrorCodes, TqError } from '../../errors/tq-error.js';
import { consoleLogger, type Logger } from '../../worker/logger.js';
import { type ChildEntry, childEntry } from '../child/entry-location.js';
import type { ChildMessage } from '../child/protocol.js';
import { type ChildExit, describeExit } from './child-channel.js';
import { ChildHandle, type JobResult } from './child-handle.js';
import { ChildSet } from './child-set.js';
import { lostOutcome, poolOutcome, recycleReason } from './job-outcome.js';
import { type ResolvedPoolOptions, resolvePoolOptions } from './pool-options.js';
import { RestartBackoff } from './restart-backoff.js';
import type { SupervisedPoolSettings, SupervisedPoolStats } from './supervised-pool-types.js';

type State = 'new' | 'running' | 'closing' | 'closed';

/**
 * Runs each job in a thread or child process that loaded the task module itself, one job per child at a time:
 * `threads` and `prefork` are this pool with a different launcher. The pool keeps `concurrency` children (or
 * autoscales between min and max), replaces any that die, recycles them by task count or memory, kills the one
 * running a job past its hard time limit, and reports a child that died mid-job as a `lost` outcome.
 */
export class SupervisedPool implements Pool {
  readonly name: string;
  /** The hard time limit stops even CPU-bound code, and a crashing task cannot take the worker down with it. */
  readonly terminates = true;
  /** Arguments, results and errors cross a thread/process boundary: an uncloneable result fails with TQ_ENCODE. */
  readonly isolated = true;
  private readonly options: ResolvedPoolOptions;
  private readonly logger: Logger;
  private readonly appModule: string;
  private readonly children = new ChildSet();
  private readonly backoff = new RestartBackoff();
  private readonly drainWaiters: Array<() => void> = [];
  private targetSize: number;
  private minSize: number;
  private maxSize: number;
  private state: State = 'new';
  private force = false;
  private running = 0;
  private entry: ChildEntry | undefined;
  private restartTimer: NodeJS.Timeout | undefined;
  private idleTimer: NodeJS.Timeout | undefined;
  private lastStartupError: string | undefined;
  private closing: Promise<void> | undefined;

  constructor(private readonly settings: SupervisedPoolSettings) {
    this.name = settings.name;
    if (!settings.appModule) {
      throw new TqError(
        ErrorCodes.INVALID_CONFIG,
        `the ${settings.name} pool loads the task module in every thread or child process and needs its path: createWorker({ appModule }) or tq worker -A`,
      );
    }
    this.appModule = settings.appModule;
    this.options = resolvePoolOptions(settings.name, settings.poolOptions);
    this.logger = settings.logger ?? consoleLogger();
    const { autoscale } = this.options;
    if (!autoscale && !(Number.isInteger(settings.concurrency) && settings.concurrency >= 1)) {
      throw new TqError(ErrorCodes.INVALID_CONFIG, `pool concurrency must be a positive integer, got ${settings.concurrency}`);
    }
    this.targetSize = autoscale ? autoscale.min : settings.concurrency;
    this.minSize = autoscale ? autoscale.min : 1;
    this.maxSize = autoscale ? autoscale.max : Number.POSITIVE_INFINITY;
  }

  /** Threads/children wanted right now (grows and shrinks with grow/shrink and autoscale). */
  get concurrency(): number {
    return this.targetSize;
  }

  async start(_options: SignalOptions = {}): Promise<void> {
    if (this.state !== 'new') {
      if (this.state === 'running') return;
      throw new TqError(ErrorCodes.CLOSED, `${this.name} pool is closed`);
    }
    if (!existsSync(this.appModule)) {
      throw new TqError(ErrorCodes.INVALID_CONFIG, `${this.name} pool: the task module ${this.appModule} does not exist`);
    }
    this.entry = childEntry();
    this.state = 'running';
    const autoscale = this.options.autoscale;
    if (autoscale) {
      this.idleTimer = setInterval(() => this.retireIdle(), Math.min(1000, Math.ceil(autoscale.idleMs / 2)));
      this.idleTimer.unref();
    }
    // Start-up failures are logged and retried with backoff; the worker stays up either way.
    await Promise.allSettled(this.fill().map((child) => child.ready));
  }

  async run(job: PoolJob, options: SignalOptions = {}): Promise<PoolOutcome> {
    if (this.state === 'new') await this.start();
    if (this.state !== 'running') throw new TqError(ErrorCodes.CLOSED, `${this.name} pool is closed`);
    const child = await this.acquire();
    if (!child) return lostOutcome(`the ${this.name} pool closed before task ${job.taskName}[${job.taskId}] started`, 0);
    this.running++;
    let result: JobResult;
    try {
      result = await child.run(job, options.signal);
    } catch (error) {
      this.afterJob(child, undefined);
      const message = `the arguments of task ${job.taskName}[${job.taskId}] cannot be sent to a pool ${child.kind}`;
      return { status: 'failure', error: new TqError(ErrorCodes.ENCODE, message, { cause: error }), runtimeMs: 0 };
    } finally {
      this.running--;
    }
    this.afterJob(child, result);
    return poolOutcome(result, { job, child, app: this.settings.app, poolName: this.name, coldShutdown: this.force });
  }

  stats(): SupervisedPoolStats {
    const { autoscale } = this.options;
    return {
      name: this.name,
      concurrency: this.targetSize,
      running: this.running,
      idle: this.children.idleCount,
      waiting: this.children.waitingCount,
      children: this.children.size,
      autoscale: autoscale ? { min: this.minSize, max: this.maxSize } : undefined,
      startupFailures: this.backoff.consecutiveFailures,
      lastStartupError: this.lastStartupError,
    };
  }

  /** Adds `n` threads/children (raising autoscale's max if needed), as Celery's pool_grow. */
  async grow(n = 1): Promise<void> {
    checkCount(n);
    this.targetSize += n;
    if (this.targetSize > this.maxSize) this.maxSize = this.targetSize;
    await Promise.allSettled(this.fill().map((child) => child.ready));
  }

  /** Removes `n` threads/children: idle ones now, busy ones when their job ends (never below one, or autoscale's min). */
  async shrink(n = 1): Promise<void> {
    checkCount(n);
    const floor = this.options.autoscale ? 0 : 1;
    this.targetSize = Math.max(floor, this.targetSize - n);
    if (this.targetSize < this.minSize) this.minSize = this.targetSize;
    const retired: Promise<unknown>[] = [];
    while (this.children.size > this.targetSize) {
      const child = this.children.takeIdle();
      if (!child) break;
      retired.push(this.retire(child));
    }
    await Promise.allSettled(retired);
  }

  /** Warm: running (and already queued) jobs finish, then every child exits. Force: children are killed; their jobs are `lost`. */
  close(options: { force?: boolean } = {}): Promise<void> {
    if (this.state === 'new') {
      this.state = 'closed';
      return Promise.resolve();
    }
    if (options.force && !this.force) {
      this.force = true;
      for (const waiter of this.drainWaiters.splice(0)) waiter();
      this.children.releaseWaiters();
      for (const child of this.children.everyone()) void child.kill();
    }
    this.closing ??= this.shutDown();
    return this.closing;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  private async shutDown(): Promise<void> {
    this.state = 'closing';
    clearTimeout(this.restartTimer);
    clearInterval(this.idleTimer);
    if (!this.force && (this.running > 0 || this.children.waitingCount > 0)) {
      await new Promise<void>((resolve) => {
        this.drainWaiters.push(resolve);
        this.checkDrained();
      });
    }
    this.children.releaseWaiters();
    const grace = this.options.stopGraceMs;
    await Promise.allSettled(this.children.everyone().map((child) => (this.force ? child.kill() : child.stop(grace))));
    this.state = 'closed';
  }

  private acquire(): Promise<ChildHandle | undefined> {
    const child = this.children.takeIdle();
    if (child) return Promise.resolve(child);
    const waiting = this.children.wait();
    this.scaleUp();
    return waiting;
  }

  /** A free child serves the oldest waiting job, or waits idle; children above the target size are retired. */
  private offer(child: ChildHandle): void {
    if (!child.alive || !this.children.has(child)) return;
    const closing = this.state !== 'running';
    if ((closing && this.children.waitingCount === 0) || (!closing && this.children.size > this.targetSize)) {
      void this.retire(child);
    } else {
      this.children.offer(child);
    }
    this.checkDrained();
  }

  private afterJob(child: ChildHandle, result: JobResult | undefined): void {
    if (result && result.kind !== 'done') {
      this.checkDrained();
      return; // killed or died: its exit handler replaces it
    }
    child.tasksDone++;
    const reason = recycleReason(child.tasksDone, result?.memoryKb, this.options);
    if (reason && this.state === 'running') {
      this.logger.info(`${this.name} pool: replacing ${child.kind} ${child.id}: ${reason}`);
      void this.retire(child);
      this.fill();
      this.checkDrained();
      return;
    }
    this.offer(child);
  }

  /** Starts children up to the target size; after failed starts, one at a time and never before the backoff ends. */
  private fill(): ChildHandle[] {
    const spawned: ChildHandle[] = [];
    if (this.state !== 'running' || this.restartTimer) return spawned;
    while (this.children.size < this.targetSize) {
      if (this.backoff.consecutiveFailures > 0 && this.children.startingCount > 0) break;
      spawned.push(this.spawn());
    }
    return spawned;
  }

  private spawn(): ChildHandle {
    const entry = this.entry!;
    const init = { type: 'init', appModule: this.appModule, typescriptReady: entry.fromSource, appSettings: this.settings.appSettings } as const;
    const child = new ChildHandle(this.settings.launch(entry), init, this.options.startTimeoutMs, (message) => this.childLog(child, message));
    this.children.add(child);
    child.ready.then(
      () => {
        this.backoff.succeed();
        this.lastStartupError = undefined;
        this.offer(child);
      },
      (error: Error) => this.startFailed(child, error),
    );
    void child.exited.then((exit) => this.childExited(child, exit));
    return child;
  }

  private startFailed(child: ChildHandle, error: Error): void {
    this.children.remove(child);
    if (this.state !== 'running') {
      this.checkDrained();
      return;
    }
    const delayMs = this.backoff.fail();
    this.lastStartupError = error.message;
    this.logger.error(`${this.name} pool: a ${child.kind} failed to start; retrying in ${delayMs} ms`, {
      appModule: this.appModule,
      failuresInARow: this.backoff.consecutiveFailures,
      error: error.message,
    });
    clearTimeout(this.restartTimer);
    this.restartTimer = setTimeout(() => {
      this.restartTimer = undefined;
      this.fill();
    }, delayMs);
  }

  private childExited(child: ChildHandle, exit: ChildExit): void {
    const wasMember = this.children.remove(child);
    if (!child.started) return; // a failed start: startFailed schedules the retry
    if (wasMember && this.state === 'running') {
      if (!child.expectedExit && !child.diedInJob) this.logger.warn(`${this.name} pool: ${child.kind} ${child.id} ${describeExit(exit)}; replacing it`);
      this.fill();
    }
    this.checkDrained();
  }

  private retire(child: ChildHandle): Promise<unknown> {
    this.children.retire(child);
    return child.stop(this.options.stopGraceMs).finally(() => this.children.forget(child));
  }

  /** Autoscale up: as many children as there are jobs running or waiting, up to max. */
  private scaleUp(): void {
    if (!this.options.autoscale || this.targetSize >= this.maxSize) return;
    const demand = this.children.inUseCount + this.children.waitingCount;
    if (demand > this.targetSize) this.targetSize = Math.min(this.maxSize, demand);
    this.fill();
  }

  /** Autoscale down: one child idle for longer than idleMs is retired per tick, never below min. */
  private retireIdle(): void {
    const autoscale = this.options.autoscale;
    if (!autoscale || this.state !== 'running' || this.targetSize <= this.minSize) return;
    const child = this.children.takeIdle((candidate) => Date.now() - candidate.idleSince >= autoscale.idleMs);
    if (!child) return;
    this.targetSize--;
    this.logger.debug(`${this.name} pool: autoscale retiring idle ${child.kind} ${child.id}`, { size: this.targetSize });
    void this.retire(child);
  }

  /** During a warm close: resolves the close once nothing runs; waiting jobs no child can serve end `lost`. */
  private checkDrained(): void {
    if (this.state !== 'closing') return;
    if (this.children.waitingCount > 0 && this.children.size === 0) this.children.releaseWaiters();
    if (this.running === 0 && this.children.waitingCount === 0) for (const resolve of this.drainWaiters.splice(0)) resolve();
  }

  private childLog(child: ChildHandle, message: Extract<ChildMessage, { type: 'log' }>): void {
    const error = message.error ? `${message.error.name}: ${message.error.message}` : undefined;
    this.logger[message.level](`${this.name} pool ${child.kind} ${child.id}: ${message.message}`, error ? { error } : undefined);
  }
}

function checkCount(n: number): void {
  if (!(Number.isInteger(n) && n >= 1)) throw new TqError(ErrorCodes.INVALID_CONFIG, `pool grow/shrink takes a positive integer, got ${n}`);
}
