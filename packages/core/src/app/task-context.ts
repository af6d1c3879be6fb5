import { AsyncLocalStorage } from 'node:async_hooks';
import type { TaskRequest } from '../contracts/pool.js';
import type { Retry, RetryOptions } from '../errors/task-errors.js';
import { ErrorCodes, TqError } from '../errors/tq-error.js';

/**
 * What a running task sees: `this` inside a `function` handler, or `currentTask()` from anywhere in its async
 * call tree (arrow functions have no `this`).
 */
export interface TaskContext {
  readonly request: TaskRequest;
  /** Fires on the soft time limit, on revoke with terminate, and on cold shutdown. */
  readonly signal: AbortSignal;
  /** Build the Retry to throw: `throw this.retry({ countdown: 5 })`. Same task id, retries + 1. */
  retry(options?: RetryOptions): Retry;
  /** Store a custom state (e.g. PROGRESS with meta) for this task. */
  updateState(state: string, meta?: unknown): Promise<void>;
}

const storage = new AsyncLocalStorage<TaskContext>();

export function runWithTaskContext<T>(context: TaskContext, fn: () => T): T {
  return storage.run(context, fn);
}

/** The context of the task running in this async call tree. Throws outside a task. */
export function currentTask(): TaskContext {
  const context = storage.getStore();
  if (!context) throw new TqError(ErrorCodes.INVALID_CONFIG, 'currentTask() was called outside a running task');
  return context;
}

/** Like currentTask(), but undefined outside a task (used to fill parent_id/root_id when tasks call tasks). */
export function maybeCurrentTask(): TaskContext | undefined {
  return storage.getStore();
}
