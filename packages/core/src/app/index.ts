export * from './app.js';
export type * from './app-config.js';
export * from './adapter-registry.js';
export * from './async-result.js';
export type * from './task.js';
export { currentTask, type TaskContext } from './task-context.js';
export * from './task-options.js';
export { sleep } from './sleep.js';
export { testMode, TestHarness, type TestModeOptions } from './test-mode.js';
