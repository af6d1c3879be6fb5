import { ErrorCodes, TqError } from '../../errors/tq-error.js';

/** Options of the pools that run tasks in threads or child processes (`threads`, `prefork`). */
export interface PoolOptions {
  /** Replace a thread/child after it has run this many tasks (Celery's worker_max_tasks_per_child). */
  maxTasksPerChild?: number;
  /**
   * Replace a thread/child after a task leaves it above this many KiB (Celery's worker_max_memory_per_child).
   * Measured after each task: the resident set size of a child process; the V8 heap in use of a thread.
   */
  maxMemoryPerChildKb?: number;
  /** Grow to `max` threads/children under backlog, shrink to `min` when idle (Celery's --autoscale max,min). */
  autoscale?: AutoscaleOptions;
  /** A thread/child that has not loaded the task module after this long is killed and counts as a failed start. Default 60 000. */
  startTimeoutMs?: number;
  /** How long a graceful stop may take before the thread/child is killed. Default 10 000. */
  stopGraceMs?: number;
}

export interface AutoscaleOptions {
  max: number;
  min: number;
  /** An idle thread/child above `min` is retired after this long. Default 30 000 (Celery's autoscaler keepalive). */
  idleMs?: number;
}

export interface ResolvedPoolOptions {
  maxTasksPerChild: number | undefined;
  maxMemoryPerChildKb: number | undefined;
  autoscale: Required<AutoscaleOptions> | undefined;
  startTimeoutMs: number;
  stopGraceMs: number;
}

export function resolvePoolOptions(pool: string, options: PoolOptions = {}): ResolvedPoolOptions {
  const positiveInteger = (value: number | undefined, what: string, minimum = 1) => {
    if (value !== undefined && !(Number.isInteger(value) && value >= minimum)) {
      throw new TqError(ErrorCodes.INVALID_CONFIG, `${pool} pool: ${what} must be an integer >= ${minimum}, got ${value}`);
    }
    return value;
  };
  const maxMemory = options.maxMemoryPerChildKb;
  if (maxMemory !== undefined && !(Number.isFinite(maxMemory) && maxMemory > 0)) {
    throw new TqError(ErrorCodes.INVALID_CONFIG, `${pool} pool: maxMemoryPerChildKb must be a positive number, got ${maxMemory}`);
  }
  let autoscale: Required<AutoscaleOptions> | undefined;
  if (options.autoscale) {
    const max = positiveInteger(options.autoscale.max, 'autoscale max')!;
    const min = positiveInteger(options.autoscale.min, 'autoscale min', 0)!;
    if (min > max) throw new TqError(ErrorCodes.INVALID_CONFIG, `${pool} pool: autoscale min (${min}) is above max (${max})`);
    autoscale = { max, min, idleMs: positiveInteger(options.autoscale.idleMs, 'autoscale idleMs') ?? 30_000 };
  }
  return {
    maxTasksPerChild: positiveInteger(options.maxTasksPerChild, 'maxTasksPerChild'),
    maxMemoryPerChildKb: maxMemory,
    autoscale,
    startTimeoutMs: positiveInteger(options.startTimeoutMs, 'startTimeoutMs') ?? 60_000,
    stopGraceMs: positiveInteger(options.stopGraceMs, 'stopGraceMs', 0) ?? 10_000,
  };
}
