import type { App } from '../../app/app.js';
import type { PoolJob, PoolOutcome } from '../../contracts/pool.js';
import { TimeLimitExceeded, WorkerLostError } from '../../errors/task-errors.js';
import { decodeError } from '../child/wire-error.js';
import { describeExit } from './child-channel.js';
import type { ChildHandle, JobResult } from './child-handle.js';
import type { ResolvedPoolOptions } from './pool-options.js';

/**
 * Turns how a job ended on a child into the worker's PoolOutcome: errors rebuilt with the task's options (for
 * its autoretry classes), a hard-limit kill as TimeLimitExceeded, a child that died as `lost`.
 */
export function poolOutcome(
  result: JobResult,
  context: { job: PoolJob; child: ChildHandle; app: App; poolName: string; coldShutdown: boolean },
): PoolOutcome {
  const { job, child } = context;
  if (result.kind === 'done') {
    const { outcome } = result;
    if (outcome.status === 'success') return outcome;
    const options = context.app.tasks.get(job.taskName)?.options;
    return { status: 'failure', error: decodeError(outcome.error, options), runtimeMs: outcome.runtimeMs };
  }
  if (result.kind === 'hard-limit') {
    return { status: 'failure', error: new TimeLimitExceeded(result.limitMs / 1000), runtimeMs: result.runtimeMs };
  }
  const what = `task ${job.taskName}[${job.taskId}]`;
  const reason = context.coldShutdown
    ? `the ${context.poolName} pool was closed by a cold shutdown while ${what} ran`
    : `${child.kind} ${child.id} ${describeExit(result.exit)} while running ${what}`;
  return lostOutcome(reason, result.runtimeMs);
}

export function lostOutcome(message: string, runtimeMs: number): PoolOutcome {
  return { status: 'lost', error: new WorkerLostError(message), runtimeMs };
}

/** Why a child should be replaced after a job (Celery's max_tasks_per_child / max_memory_per_child), if it should. */
export function recycleReason(
  tasksDone: number,
  memoryKb: number | undefined,
  options: Pick<ResolvedPoolOptions, 'maxTasksPerChild' | 'maxMemoryPerChildKb'>,
): string | undefined {
  const { maxTasksPerChild, maxMemoryPerChildKb } = options;
  if (maxTasksPerChild !== undefined && tasksDone >= maxTasksPerChild) return `it ran ${tasksDone} tasks (maxTasksPerChild)`;
  if (maxMemoryPerChildKb !== undefined && memoryKb !== undefined && memoryKb > maxMemoryPerChildKb) {
    return `it uses ${memoryKb} KiB, above maxMemoryPerChildKb ${maxMemoryPerChildKb}`;
  }
  return undefined;
}
