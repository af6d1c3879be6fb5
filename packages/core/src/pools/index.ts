export * from './async-pool.js';
export * from './execute-task.js';
export * from './pool-factory.js';
export { createThreadsPool } from './threads/threads-pool.js';
export { createPreforkPool } from './prefork/prefork-pool.js';
export { SupervisedPool } from './supervised/supervised-pool.js';
export type { SupervisedPoolSettings, SupervisedPoolStats } from './supervised/supervised-pool-types.js';
export type { AutoscaleOptions, PoolOptions } from './supervised/pool-options.js';
export type { ChildAppSettings } from './child/protocol.js';
