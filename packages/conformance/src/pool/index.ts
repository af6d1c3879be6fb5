export { poolSuite } from './suite.js';
export type { PoolFeatures, PoolSuiteOptions } from './options.js';
export { PoolFixtureError, PoolFixtureSubError, registerPoolSuiteTasks, type PoolFixtureFailure } from './fixture-tasks.js';
