import type { PoolJob, PoolOutcome } from '../contracts/pool.js';
import { States } from '../contracts/result-backend.js';
import { Retry, SoftTimeLimitExceeded, TimeLimitExceeded } from '../errors/task-errors.js';
import { ErrorCodes, TqError } from '../errors/tq-error.js';
import type { App } from '../app/app.js';
import { runWithTaskContext, type TaskContext } from '../app/task-context.js';
import { LazyTaskSignal } from './task-signal.js';

/**
 * Runs one task body in this thread: builds its context (`this` and currentTask()), arms the soft limit (the
 * signal fires) and the hard limit. In-process, a hard limit can only abandon the body — JavaScript cannot stop a
 * running function — so the task fails with TimeLimitExceeded and its eventual result is dropped. Pools that
 * run tasks in threads or processes terminate them instead.
 */
export async function executeTask(app: App, job: PoolJob, outerSignal?: AbortSignal): Promise<PoolOutcome> {
  const started = performance.now();
  const elapsed = () => performance.now() - started;
  const task = app.tasks.get(job.taskName);
  if (!task) {
    const error = new TqError(ErrorCodes.UNKNOWN_TASK, `task ${job.taskName} is not registered in this process`);
    return { status: 'failure', error, runtimeMs: 0 };
  }
  const taskSignal = new LazyTaskSignal(outerSignal);
  const timers: NodeJS.Timeout[] = [];
  if (job.softTimeLimitMs !== undefined) {
    timers.push(setTimeout(() => taskSignal.abort(new SoftTimeLimitExceeded(job.softTimeLimitMs! / 1000)), job.softTimeLimitMs));
  }
  let hardLimitFired: Promise<never> | undefined;
  if (job.hardTimeLimitMs !== undefined) {
    hardLimitFired = new Promise<never>((_, reject) => {
      timers.push(
        setTimeout(() => {
          const error = new TimeLimitExceeded(job.hardTimeLimitMs! / 1000);
          taskSignal.abort(error);
          reject(error);
        }, job.hardTimeLimitMs),
      );
    });
  }
  const context = taskContext(app, job, taskSignal);
  try {
    const body = runWithTaskContext(context, () => Promise.resolve().then(() => task.handler.apply(context, taskArguments(job))));
    const value = hardLimitFired ? await Promise.race([body, hardLimitFired]) : await body;
    return { status: 'success', value, runtimeMs: elapsed() };
  } catch (error) {
    return { status: 'failure', error, runtimeMs: elapsed() };
  } finally {
    for (const timer of timers) clearTimeout(timer);
    taskSignal.dispose();
  }
}

/** kwargs reach a positional JS handler as one trailing object argument (celery-node's convention). */
export function taskArguments(job: PoolJob): unknown[] {
  return Object.keys(job.kwargs).length > 0 ? [...job.args, job.kwargs] : job.args;
}

function taskContext(app: App, job: PoolJob, taskSignal: LazyTaskSignal): TaskContext {
  return {
    request: job.request,
    get signal() {
      return taskSignal.signal;
    },
    retry: (options = {}) => new Retry(options),
    updateState: async (state: string, meta?: unknown) => {
      const backend = app.backend;
      if (!backend || job.request.ignoreResult) return;
      await backend.store(
        job.taskId,
        { status: state ?? States.STARTED, result: meta ?? null, traceback: null, children: null, date_done: null, task_id: job.taskId },
        { ttlMs: app.resultExpiresMs, replyTo: job.request.replyTo ?? undefined, correlationId: job.request.correlationId },
      );
    },
  };
}
