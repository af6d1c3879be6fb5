import type { PoolContext } from '../pool-factory.js';
import { SupervisedPool } from '../supervised/supervised-pool.js';
import { launchProcess } from './process-launcher.js';

/**
 * `prefork`: each slot is a child process (child_process.fork) that loaded the task module itself, as in
 * Celery's default pool. The strongest isolation: a child killed by the OS, crashing natively or running out of
 * memory only loses its own task. Values cross IPC by structured clone (`serialization: 'advanced'`).
 */
export function createPreforkPool(context: PoolContext): SupervisedPool {
  return new SupervisedPool({
    name: 'prefork',
    app: context.app,
    appModule: context.appModule,
    concurrency: context.concurrency,
    launch: launchProcess,
    poolOptions: context.poolOptions,
    logger: context.logger,
    appSettings: context.appSettings,
  });
}
