export * from './tq-error.js';
export * from './task-errors.js';
