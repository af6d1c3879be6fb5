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
  /** Each running job's outcome, by the function that settles it early on a cold close (with its start time). */
  private readonly inFlight = new Map<(outcome: PoolOutcome) => void, { outcome: Promise<PoolOutcome>; started: number }>();
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
    // its own entry in `inFlight`, and aborts the bodies through the signal they were given.
    const signal = options.signal ? AbortSignal.any([options.signal, this.abortAll.signal]) : this.abortAll.signal;
    const started = performance.now();
    // One promise per job, settled by the body's outcome or, first, by a cold close: no Promise.race and no
    // second promise (each promise also costs the AsyncLocalStorage hooks currentTask() needs).
    let settle!: (outcome: PoolOutcome) => void;
    let fail!: (error: unknown) => void;
    const outcome = new Promise<PoolOutcome>((resolve, reject) => {
      settle = resolve;
      fail = reject;
    });
    this.inFlight.set(settle, { outcome, started });
    executeTask(this.app, job, signal).then(settle, fail);
    try {
      return await outcome;
    } finally {
      this.inFlight.delete(settle);
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
      for (const [settle, { started }] of this.inFlight) settle(lost('cold shutdown stopped the task', performance.now() - started));
    }
    await Promise.allSettled([...this.inFlight.values()].map((job) => job.outcome));
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }
}

function lost(reason: string, runtimeMs: number): PoolOutcome {
  return { status: 'lost', error: new WorkerLostError(reason), runtimeMs };
}
