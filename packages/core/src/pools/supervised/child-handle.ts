import type { PoolJob } from '../../contracts/pool.js';
import type { ChildInit, ChildMessage, WireOutcome } from '../child/protocol.js';
import { encodeError, type WireError } from '../child/wire-error.js';
import type { ChildChannel, ChildExit } from './child-channel.js';

/** How one job on one child ended, before the pool turns it into a PoolOutcome. */
export type JobResult =
  | { kind: 'done'; outcome: WireOutcome; memoryKb: number }
  | { kind: 'hard-limit'; limitMs: number; runtimeMs: number }
  | { kind: 'exited'; exit: ChildExit; runtimeMs: number };

export class ChildStartError extends Error {
  override name = 'ChildStartError';
  constructor(
    message: string,
    readonly wire?: WireError,
  ) {
    super(message);
  }
}

interface CurrentJob {
  jobId: number;
  started: number;
  resolve: (result: JobResult) => void;
  timer: NodeJS.Timeout | undefined;
  detach: () => void;
}

let nextJobId = 1;

/**
 * The pool's view of one thread or child process: start-up handshake, one job at a time, the hard time limit
 * (the child is killed: JavaScript cannot be stopped any other way), graceful stop and kill.
 */
export class ChildHandle {
  readonly ready: Promise<void>;
  readonly exited: Promise<ChildExit>;
  tasksDone = 0;
  idleSince = 0;
  /** Set when the pool ends this child on purpose (stop, kill, hard limit): its exit is not news. */
  expectedExit = false;
  /** Set when the child died while running a job (that job's outcome reports it). */
  diedInJob = false;
  private current: CurrentJob | undefined;
  private isReady = false;
  private exit: ChildExit | undefined;

  constructor(
    private readonly channel: ChildChannel,
    init: ChildInit,
    startTimeoutMs: number,
    onLog: (message: Extract<ChildMessage, { type: 'log' }>) => void,
  ) {
    let startupError: WireError | undefined;
    this.exited = new Promise((resolve) => channel.onExit(resolve));
    this.ready = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        reject(new ChildStartError(`the ${channel.kind} did not start within ${startTimeoutMs} ms`));
        channel.kill();
      }, startTimeoutMs);
      channel.onMessage((message) => {
        if (message.type === 'ready') {
          clearTimeout(timer);
          this.isReady = true;
          resolve();
        } else if (message.type === 'startup-failed') {
          startupError = message.error;
        } else if (message.type === 'done') {
          this.finishJob(message.jobId, { kind: 'done', outcome: message.outcome, memoryKb: message.memoryKb });
        } else if (message.type === 'log') {
          onLog(message);
        }
      });
      void this.exited.then((exit) => {
        this.exit = exit;
        clearTimeout(timer);
        const reason = startupError ? `${startupError.name}: ${startupError.message}` : describeEarlyExit(exit);
        reject(new ChildStartError(`the ${channel.kind} failed to start: ${reason}`, startupError));
        const job = this.current;
        if (job) {
          this.diedInJob = true;
          this.finishJob(job.jobId, { kind: 'exited', exit, runtimeMs: performance.now() - job.started });
        }
      });
    });
    this.ready.catch(() => undefined);
    try {
      channel.send(init);
    } catch (error) {
      startupError = encodeError(error);
      channel.kill();
    }
  }

  get id(): number {
    return this.channel.id;
  }

  get kind(): ChildChannel['kind'] {
    return this.channel.kind;
  }

  /** True once the child loaded the task module. */
  get started(): boolean {
    return this.isReady;
  }

  get alive(): boolean {
    return this.exit === undefined;
  }

  get busy(): boolean {
    return this.current !== undefined;
  }

  /** Runs one job. The hard limit is enforced here, so it is not sent to the child. */
  run(job: PoolJob, signal?: AbortSignal): Promise<JobResult> {
    if (!this.isReady || !this.alive || this.current) throw new Error(`${this.channel.kind} ${this.id} cannot take a job now`);
    const jobId = nextJobId++;
    const { hardTimeLimitMs, ...sent } = job;
    return new Promise<JobResult>((resolve, reject) => {
      try {
        this.channel.send({ type: 'run', jobId, job: sent });
      } catch (error) {
        reject(error); // arguments that cannot be cloned: the child never saw the job and stays free
        return;
      }
      const started = performance.now();
      const timer =
        hardTimeLimitMs === undefined
          ? undefined
          : setTimeout(() => {
              this.finishJob(jobId, { kind: 'hard-limit', limitMs: hardTimeLimitMs, runtimeMs: performance.now() - started });
              this.expectedExit = true;
              this.channel.kill();
            }, hardTimeLimitMs);
      const onAbort = () => this.channel.send({ type: 'abort', jobId, reason: encodeError(signal?.reason) });
      const detach = () => signal?.removeEventListener('abort', onAbort);
      this.current = { jobId, started, resolve, timer, detach };
      if (signal?.aborted) onAbort();
      else signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  /** Asks the child to exit once its job is done; kills it if it has not gone after `graceMs`. */
  async stop(graceMs: number): Promise<ChildExit> {
    if (!this.alive) return this.exited;
    this.expectedExit = true;
    if (this.isReady) this.channel.send({ type: 'shutdown' });
    else this.channel.kill();
    const timer = setTimeout(() => this.channel.kill(), graceMs);
    const exit = await this.exited;
    clearTimeout(timer);
    return exit;
  }

  async kill(): Promise<ChildExit> {
    this.expectedExit = true;
    if (this.alive) this.channel.kill();
    return this.exited;
  }

  private finishJob(jobId: number, result: JobResult): void {
    const job = this.current;
    if (!job || job.jobId !== jobId) return;
    clearTimeout(job.timer);
    job.detach();
    this.current = undefined;
    job.resolve(result);
  }
}

function describeEarlyExit(exit: ChildExit): string {
  if (exit.error) return exit.error.message;
  return exit.signal ? `killed by ${exit.signal}` : `exited with code ${exit.code} before it was ready`;
}
