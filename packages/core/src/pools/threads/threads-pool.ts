import type { PoolContext } from '../pool-factory.js';
import { SupervisedPool } from '../supervised/supervised-pool.js';
import { launchThread } from './thread-launcher.js';

/**
 * `threads`: each slot is a worker thread that loaded the task module itself. CPU-bound tasks run on several
 * cores in one process; values cross by structured clone. Cheaper to start than `prefork`, but a task that
 * exhausts the process (native crash, process-wide memory) takes every thread with it.
 */
export function createThreadsPool(context: PoolContext): SupervisedPool {
  return new SupervisedPool({
    name: 'threads',
    app: context.app,
    appModule: context.appModule,
    concurrency: context.concurrency,
    launch: launchThread,
    poolOptions: context.poolOptions,
    logger: context.logger,
    appSettings: context.appSettings,
  });
}
