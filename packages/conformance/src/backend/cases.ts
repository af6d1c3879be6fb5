import type { ResultBackendCapabilities, ResultMeta, TaskState } from '@tq/core';
import type { CaseRegistry } from '../support/cases.js';
import type { BackendContext } from './context.js';

/** The registry every backend case file adds its cases to. */
export type BackendCases = CaseRegistry<BackendContext, Readonly<ResultBackendCapabilities>>;

const READY = new Set(['SUCCESS', 'FAILURE', 'REVOKED']);

/** Celery's result meta for `taskId` in `status`, with `extra` fields on top. */
export function meta(taskId: string, status: TaskState, result: unknown, extra: Partial<ResultMeta> = {}): ResultMeta {
  return {
    status,
    result,
    traceback: null,
    children: [],
    date_done: READY.has(status) ? new Date().toISOString() : null,
    task_id: taskId,
    ...extra,
  };
}

/** A failure as Celery encodes it for non-pickle serializers. */
export function failure(taskId: string, message: string): ResultMeta {
  return meta(taskId, 'FAILURE', { exc_type: 'ValueError', exc_message: [message], exc_module: 'builtins' }, {
    traceback: `Traceback (most recent call last):\n  File "tasks.py", line 3, in fail\nValueError: ${message}\n`,
  });
}
