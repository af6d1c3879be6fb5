import type { Pool, PoolJob, PoolOutcome, PoolStats } from '../contracts/pool.js';
import type { SignalOptions } from '../contracts/transport.js';
import { ErrorCodes, TqError } from '../errors/tq-error.js';
import { WorkerLostError } from '../errors/task-errors.js';
import type { App } from '../app/app.js';
import { executeTask } from './execute-task.js';
import { sharedAbortController } from '../app/shared-abort-controller.js';

/**
 * Runs up to `concurrency` task bodies at once on the event loop: Celery's eventlet/gevent analogue, right for
 * I/O-bound tasks. `solo` is this pool with concurrency 1.
 *
 * On close, jobs still waiting for a slot end `lost` (the worker hands their messages back). A warm close then
 * waits for running bodies; a cold close aborts their signals and ends them `lost` at once, whether or not the
 * body honours its signal — the broker redelivers them.
 */
export class AsyncPool implements Pool {
  readonly terminates = false;
  private running = 0;
  private readonly waiting: Array<(admitted: boolean) => void> = [];
  private readonly inFlight = new Set<Promise<PoolOutcome>>();
  private readonly coldStops = new Set<() => void>();
  private readonly abortAll = sharedAbortController();
  private closed = false;

  constructor(
    private readonly app: App,
    readonly concurrency: number,
    readonly name = 'async',
  ) {
    if (!Number.isInteger(concurrency) || concurrency < 1) {
      throw new TqError(ErrorCodes.INVALID_CONFIG, `pool concurrency must be a positive integer, got ${concurrency}`);
    }
  }

  async start(): Promise<void> {}

  async run(job: PoolJob, options: SignalOptions = {}): Promise<PoolOutcome> {
    if (this.closed) throw new TqError(ErrorCodes.CLOSED, `${this.name} pool is closed`);
    if (this.running >= this.concurrency) {
      const admitted = await new Promise<boolean>((resolve) => this.waiting.push(resolve));
      if (!admitted) return lost('the pool closed before the task started', 0);
    }
    this.running++;
    // No listener per job on a shared signal (that costs O(running) per add): a cold close ends each job through
    // its own entry in `coldStops`, and aborts the bodies through the signal they were given.
    const signal = options.signal ? AbortSignal.any([options.signal, this.abortAll.signal]) : this.abortAll.signal;
    const started = performance.now();
    let stopCold!: () => void;
    const coldStop = new Promise<PoolOutcome>((resolve) => {
      stopCold = () => resolve(lost('cold shutdown stopped the task', performance.now() - started));
    });
    this.coldStops.add(stopCold);
    const outcome = Promise.race([executeTask(this.app, job, signal), coldStop]);
    this.inFlight.add(outcome);
    try {
      return await outcome;
    } finally {
      this.coldStops.delete(stopCold);
      this.inFlight.delete(outcome);
      this.running--;
      this.waiting.shift()?.(true);
    }
  }

  stats(): PoolStats {
    return { name: this.name, concurrency: this.concurrency, running: this.running };
  }

  async close(options: { force?: boolean } = {}): Promise<void> {
    this.closed = true;
    for (const release of this.waiting.splice(0)) release(false);
    if (options.force) {
      this.abortAll.abort(new WorkerLostError('pool closed by cold shutdown'));
      for (const stop of this.coldStops) stop();
    }
    await Promise.allSettled([...this.inFlight]);
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }
}

function lost(reason: string, runtimeMs: number): PoolOutcome {
  return { status: 'lost', error: new WorkerLostError(reason), runtimeMs };
}
