import { fileURLToPath } from 'node:url';
import { createPool, type Logger, type Pool, type PoolContext, type PoolJob, type SupervisedPoolStats, type TaskRequest } from '@tq/core';
import { app } from './fixtures/tasks.js';

export const tasksModule = fileURLToPath(new URL('./fixtures/tasks.ts', import.meta.url));
export const fixture = (name: string) => fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url));

/** Creates pools and closes them all (forcibly) when `closeAll` runs: no thread or child outlives a test. */
export class PoolTracker {
  private readonly pools: Pool[] = [];

  /** Typed with the threads/prefork stats (children, idle, startupFailures...); the async pool has fewer. */
  create(name: string, context: Partial<PoolContext> = {}): TrackedPool {
    const pool = <TrackedPool>createPool(name, { app, concurrency: 2, appModule: tasksModule, logger: recordingLogger().logger, ...context });
    this.pools.push(pool);
    return pool;
  }

  async closeAll(): Promise<void> {
    await Promise.allSettled(this.pools.splice(0).map((pool) => pool.close({ force: true })));
  }
}

export type TrackedPool = Omit<Pool, 'stats'> & { stats(): SupervisedPoolStats };

let sequence = 0;

export function job(taskName: string, args: unknown[] = [], extra: Partial<PoolJob> = {}): PoolJob {
  const taskId = `pool-test-${++sequence}`;
  const request = { id: taskId, task: taskName, args, kwargs: {}, retries: 0 } as unknown as TaskRequest;
  return { taskId, taskName, args, kwargs: {}, request, ...extra };
}

export function recordingLogger(): { logger: Logger; records: Array<{ level: string; message: string; fields?: Record<string, unknown> }> } {
  const records: Array<{ level: string; message: string; fields?: Record<string, unknown> }> = [];
  const at = (level: string) => (message: string, fields?: Record<string, unknown>) => records.push({ level, message, fields });
  return { logger: { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') }, records };
}

/** True while a process with this id exists (signal 0 only checks). */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

export async function eventually(what: string, check: () => boolean, deadlineMs = 10_000): Promise<void> {
  const until = Date.now() + deadlineMs;
  while (!check()) {
    if (Date.now() > until) throw new Error(`${what}: not true within ${deadlineMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

export type Where = { pid: number; threadId: number };
export const slot = (where: Where) => `${where.pid}/${where.threadId}`;
