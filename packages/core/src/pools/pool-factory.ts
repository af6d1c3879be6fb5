import { availableParallelism } from 'node:os';
import type { Pool } from '../contracts/pool.js';
import { ErrorCodes, TqError } from '../errors/tq-error.js';
import type { App } from '../app/app.js';
import type { Logger } from '../worker/logger.js';
import { AsyncPool } from './async-pool.js';
import type { ChildAppSettings } from './child/protocol.js';
import { createPreforkPool } from './prefork/prefork-pool.js';
import type { PoolOptions } from './supervised/pool-options.js';
import { createThreadsPool } from './threads/threads-pool.js';

export interface PoolContext {
  app: App;
  concurrency: number;
  /** The module that defines the app, for pools that load it again in a thread or child process. */
  appModule?: string;
  /** Options of the `threads` and `prefork` pools: recycling and autoscale. Ignored by `async` and `solo`. */
  poolOptions?: PoolOptions;
  /** Where `threads`/`prefork` report children that fail to start, die or are recycled. Default: consoleLogger(). */
  logger?: Logger;
  /** Broker/backend URLs that override the module's config in threads/children (the command line's --broker...). */
  appSettings?: ChildAppSettings;
}

export type PoolFactory = (context: PoolContext) => Pool;

const factories = new Map<string, PoolFactory>([
  ['async', ({ app, concurrency }) => new AsyncPool(app, concurrency, 'async')],
  ['solo', ({ app }) => new AsyncPool(app, 1, 'solo')],
  ['threads', createThreadsPool],
  ['prefork', createPreforkPool],
]);

/** Pools ship as factories by name; a third-party pool registers itself the same way. */
export function registerPool(name: string, factory: PoolFactory): void {
  factories.set(name, factory);
}

export function createPool(name: string, context: PoolContext): Pool {
  const factory = factories.get(name);
  if (!factory) {
    throw new TqError(ErrorCodes.INVALID_CONFIG, `unknown pool ${name} (available: ${[...factories.keys()].join(', ')})`);
  }
  return factory(context);
}

/** Celery's default: one slot per CPU for process pools; the async pool is for I/O, so it defaults higher. */
export function defaultConcurrency(pool: string): number {
  return pool === 'solo' ? 1 : pool === 'async' ? 32 : Math.max(1, availableParallelism());
}
