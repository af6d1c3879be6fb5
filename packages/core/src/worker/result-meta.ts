import type { ResultMeta, TaskState } from '../contracts/result-backend.js';
import { States } from '../contracts/result-backend.js';
import type { TaskMessage } from '../protocol/task-message.js';
import { encodeException, formatTraceback } from '../protocol/index.js';

/**
 * Builds Celery's result meta for a state. Extended fields (name, args, kwargs, worker, retries, queue) are always
 * written: Celery clients ignore keys they do not use, and they make results self-describing.
 */
export function resultMeta(
  message: TaskMessage,
  state: TaskState,
  result: unknown,
  extra: { traceback?: string | null; children?: unknown[] | null; worker: string; queue: string },
): ResultMeta {
  const ready = state === States.SUCCESS || state === States.FAILURE || state === States.REVOKED;
  return {
    status: state,
    result,
    traceback: extra.traceback ?? null,
    children: extra.children ?? (ready ? [] : null),
    date_done: ready ? new Date().toISOString() : null,
    task_id: message.id,
    ...(message.group ? { group_id: message.group } : {}),
    ...(message.parentId ? { parent_id: message.parentId } : {}),
    name: message.task,
    args: message.args,
    kwargs: message.kwargs,
    worker: extra.worker,
    retries: message.retries,
    queue: extra.queue,
  };
}

export function failureMeta(message: TaskMessage, error: unknown, extra: { worker: string; queue: string }): ResultMeta {
  return resultMeta(message, States.FAILURE, encodeException(error), { ...extra, traceback: formatTraceback(error) });
}

/** A revoked/expired task: Celery stores TaskRevokedError with the reason. */
export function revokedMeta(message: TaskMessage, reason: string, extra: { worker: string; queue: string }): ResultMeta {
  return resultMeta(
    message,
    States.REVOKED,
    { exc_type: 'TaskRevokedError', exc_message: [reason], exc_module: 'celery.exceptions' },
    extra,
  );
}
