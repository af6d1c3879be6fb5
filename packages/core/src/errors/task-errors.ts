import { ErrorCodes, TqError } from './tq-error.js';

/**
 * Errors a task body throws to steer the worker, as in Celery. They are control flow, not failures of tq.
 */

export interface RetryOptions {
  /** Seconds to wait before the retry (Celery's name and unit). */
  countdown?: number;
  /** Absolute time for the retry. */
  eta?: Date;
  /** Overrides the task's maxRetries for this retry. null = forever. */
  maxRetries?: number | null;
  /** The error that caused the retry; re-thrown when retries are exhausted. */
  exc?: unknown;
}

/** Thrown (or returned by `task.retry()`) to re-publish the task with the same id and `retries + 1`. */
export class Retry extends Error {
  override name = 'Retry';
  constructor(
    readonly options: RetryOptions = {},
    message = 'Retry requested',
  ) {
    super(message, options.exc === undefined ? undefined : { cause: options.exc });
  }
}

/** Thrown to reject the message: requeue it, or dead-letter it (requeue false, the default). */
export class Reject extends Error {
  override name = 'Reject';
  constructor(
    readonly reason = 'rejected by task',
    readonly requeue = false,
  ) {
    super(reason);
  }
}

/** Thrown to drop the task silently: acked, no state stored. */
export class Ignore extends Error {
  override name = 'Ignore';
}

/** The task ran past its hard time limit and was stopped. */
export class TimeLimitExceeded extends TqError {
  override name = 'TimeLimitExceeded';
  constructor(limitSeconds: number, options: { cause?: unknown } = {}) {
    super(ErrorCodes.TIME_LIMIT_EXCEEDED, `task exceeded its hard time limit of ${limitSeconds}s`, options);
  }
}

/** The soft time limit passed: the task's AbortSignal fired with this reason. */
export class SoftTimeLimitExceeded extends TqError {
  override name = 'SoftTimeLimitExceeded';
  constructor(limitSeconds: number) {
    super(ErrorCodes.TIME_LIMIT_EXCEEDED, `task exceeded its soft time limit of ${limitSeconds}s`);
  }
}

/** The process or thread running the task went away before the task finished. */
export class WorkerLostError extends TqError {
  override name = 'WorkerLostError';
  constructor(message: string, options: { cause?: unknown } = {}) {
    super(ErrorCodes.WORKER_LOST, message, options);
  }
}

export class MaxRetriesExceededError extends TqError {
  override name = 'MaxRetriesExceededError';
  constructor(taskName: string, taskId: string, retries: number) {
    super(ErrorCodes.MAX_RETRIES_EXCEEDED, `Can't retry ${taskName}[${taskId}]: max retries (${retries}) exceeded`);
  }
}

/**
 * A task that failed, as seen by the caller: Celery's `{exc_type, exc_message, exc_module}` plus traceback.
 * Thrown by `AsyncResult.get()` when the task failed and `propagate` is true.
 */
export class TaskFailedError extends TqError {
  override name = 'TaskFailedError';
  constructor(
    readonly taskId: string,
    readonly excType: string,
    readonly excMessage: unknown[],
    readonly excModule: string | undefined,
    readonly traceback: string | null,
  ) {
    super(ErrorCodes.TASK_FAILED, `${excType}: ${excMessage.map((part) => String(part)).join(', ')}`, {
      details: { taskId, excType, excModule },
    });
  }
}

/** The task was revoked, or expired before it ran. */
export class TaskRevokedError extends TqError {
  override name = 'TaskRevokedError';
  constructor(
    readonly taskId: string,
    reason = 'revoked',
  ) {
    super(ErrorCodes.TASK_REVOKED, `task ${taskId} ${reason}`);
  }
}
