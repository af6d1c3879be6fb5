import type { ResultBackend, ResultMeta, TaskState } from '../contracts/result-backend.js';
import { PROPAGATE_STATES, READY_STATES, States } from '../contracts/result-backend.js';
import { TaskFailedError, TaskRevokedError } from '../errors/task-errors.js';
import { ErrorCodes, TqError } from '../errors/tq-error.js';

export interface GetOptions {
  /** Seconds to wait (Celery's unit). Default: wait until the signal aborts. */
  timeout?: number;
  signal?: AbortSignal;
  /** Throw when the task failed or was revoked (default true); otherwise return the stored error. */
  propagate?: boolean;
}

/**
 * A handle on a task's result in the result backend. Every read goes to the backend (a task's state changes
 * under you); `get()` waits for a ready state using the backend's push mechanism where it has one.
 */
export class AsyncResult<T = unknown> {
  constructor(
    readonly id: string,
    private readonly resolveBackend: () => ResultBackend,
    private readonly ignored = false,
  ) {}

  /** The stored meta, or a PENDING meta when nothing is stored yet (Celery: unknown ids are PENDING). */
  async meta(options: { signal?: AbortSignal } = {}): Promise<ResultMeta> {
    const meta = await this.resolveBackend().get(this.id, options);
    return meta ?? pendingMeta(this.id);
  }

  async state(): Promise<TaskState> {
    return (await this.meta()).status;
  }

  async ready(): Promise<boolean> {
    return READY_STATES.has(await this.state());
  }

  async successful(): Promise<boolean> {
    return (await this.state()) === States.SUCCESS;
  }

  async failed(): Promise<boolean> {
    return (await this.state()) === States.FAILURE;
  }

  /** The stored result: the return value, the encoded exception, or the custom state's meta. */
  async result(): Promise<unknown> {
    return (await this.meta()).result;
  }

  async traceback(): Promise<string | null> {
    return (await this.meta()).traceback;
  }

  async forget(): Promise<void> {
    await this.resolveBackend().forget(this.id);
  }

  /** Wait for the task to finish and return its value; a failure is thrown as TaskFailedError. */
  async get(options: GetOptions = {}): Promise<T> {
    if (this.ignored) {
      throw new TqError(ErrorCodes.INVALID_CONFIG, `task ${this.id} was sent with ignoreResult: there is no result to wait for`);
    }
    const meta = await this.resolveBackend().waitFor(this.id, {
      signal: options.signal,
      timeoutMs: options.timeout === undefined ? undefined : options.timeout * 1000,
    });
    if (options.propagate !== false && PROPAGATE_STATES.has(meta.status)) throw errorFromMeta(meta);
    return meta.result as T;
  }
}

export function pendingMeta(taskId: string): ResultMeta {
  return { status: States.PENDING, result: null, traceback: null, children: null, date_done: null, task_id: taskId };
}

/** Rebuilds the caller-side error of a FAILURE or REVOKED meta (Celery's exception_to_python, typed). */
export function errorFromMeta(meta: ResultMeta): TqError {
  if (meta.status === States.REVOKED) return new TaskRevokedError(meta.task_id, describeRevoke(meta.result));
  const encoded = (meta.result ?? {}) as { exc_type?: unknown; exc_message?: unknown; exc_module?: unknown };
  const excType = typeof encoded.exc_type === 'string' ? encoded.exc_type : 'Exception';
  const rawMessage = encoded.exc_message;
  const excMessage = Array.isArray(rawMessage) ? rawMessage : rawMessage === undefined ? [] : [rawMessage];
  const excModule = typeof encoded.exc_module === 'string' ? encoded.exc_module : undefined;
  return new TaskFailedError(meta.task_id, excType, excMessage, excModule, meta.traceback);
}

function describeRevoke(result: unknown): string {
  const message = (result as { exc_message?: unknown } | null)?.exc_message;
  return Array.isArray(message) && typeof message[0] === 'string' ? message[0] : 'revoked';
}
