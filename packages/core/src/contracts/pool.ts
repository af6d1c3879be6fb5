import type { SignalOptions } from './transport.js';

/** What the worker hands a pool to run: everything a separate thread or process needs, all structured-cloneable. */
export interface PoolJob {
  taskId: string;
  taskName: string;
  args: unknown[];
  kwargs: Record<string, unknown>;
  /** The request context the task sees (`this.request` / currentTask().request). */
  request: TaskRequest;
  /** Soft limit: the task's AbortSignal fires after this many ms. */
  softTimeLimitMs?: number;
  /** Hard limit: the task is stopped after this many ms and fails with TimeLimitExceeded. */
  hardTimeLimitMs?: number;
}

/** The request context of a running task, mirroring Celery's `self.request`. */
export interface TaskRequest {
  id: string;
  task: string;
  args: unknown[];
  kwargs: Record<string, unknown>;
  retries: number;
  eta: string | null;
  expires: string | null;
  rootId: string;
  parentId: string | null;
  groupId: string | null;
  groupIndex: number | null;
  correlationId: string;
  replyTo: string | null;
  hostname: string;
  origin: string | null;
  deliveryInfo: { exchange: string; routingKey: string; priority?: number; redelivered: boolean };
  headers: Record<string, unknown>;
  timelimit: [number | null, number | null];
  ignoreResult: boolean;
  isEager: boolean;
  /** Canvas: the rest of the chain (reversed, as on the wire), callbacks, errbacks, chord body. */
  chain: unknown[] | null;
  callbacks: unknown[] | null;
  errbacks: unknown[] | null;
  chord: unknown | null;
}

/**
 * The outcome of running one job. `failure.error` is the thrown value for in-process pools; pools that cross a
 * thread or process boundary rebuild it (name, message, stack, and the fields of Retry/Reject/TqError).
 * `lost` means the thread/process running it died; the worker decides whether to requeue.
 */
export type PoolOutcome =
  | { status: 'success'; value: unknown; runtimeMs: number }
  | { status: 'failure'; error: unknown; runtimeMs: number }
  | { status: 'lost'; error: Error; runtimeMs: number };

export interface PoolStats {
  name: string;
  concurrency: number;
  running: number;
}

/**
 * Runs task bodies. `run` resolves when the job is done (never rejects for a task error: that is an outcome).
 * Back-pressure is the worker's job; a pool accepts up to `concurrency` jobs at once and queues the rest.
 */
export interface Pool extends AsyncDisposable {
  readonly name: string;
  readonly concurrency: number;
  start(options?: SignalOptions): Promise<void>;
  run(job: PoolJob, options?: SignalOptions): Promise<PoolOutcome>;
  /** Warm close waits for running jobs; `force` stops them (their outcome is `lost`). */
  close(options?: { force?: boolean }): Promise<void>;
  stats(): PoolStats;
  grow?(n: number): Promise<void>;
  shrink?(n: number): Promise<void>;
}
