import type { App } from '../../app/app.js';
import type { ResultBackend, ResultMeta } from '../../contracts/result-backend.js';
import { States } from '../../contracts/result-backend.js';
import { encodeException, formatTraceback } from '../../protocol/exceptions.js';
import type { Logger } from '../../worker/logger.js';

/** What the worker-side canvas steps need; a WorkerRuntime is one, and so is a client (for GroupResult.revoke). */
export interface CanvasRuntime {
  app: App;
  backend: ResultBackend | undefined;
  logger: Logger;
}

/** Store a final state for a task tq did not run itself (a chain step or chord body that can no longer run). */
export async function storeFinalState(runtime: CanvasRuntime, taskId: string, state: string, error: unknown, extra: Partial<ResultMeta> = {}): Promise<void> {
  const backend = runtime.backend;
  if (!backend) return;
  const meta: ResultMeta = {
    status: state,
    result: encodeException(error),
    traceback: state === States.FAILURE ? formatTraceback(error) : null,
    children: [],
    date_done: new Date().toISOString(),
    task_id: taskId,
    ...extra,
  };
  await backend.store(taskId, meta, { ttlMs: runtime.app.resultExpiresMs });
}

/** Runs a follow-up step; its failure is logged, never thrown (a broken callback must not fail or loop its parent). */
export async function guarded<T>(runtime: CanvasRuntime, what: string, step: () => Promise<T>): Promise<T | undefined> {
  try {
    return await step();
  } catch (error) {
    runtime.logger.error(`${what} failed`, { error, code: (error as { code?: unknown }).code });
    return undefined;
  }
}
