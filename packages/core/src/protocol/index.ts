export type * from './task-message.js';
export * from './encode-task-message.js';
export * from './decode-task-message.js';
export * from './message-body.js';
export * from './exceptions.js';
export * from './python-repr.js';
export * from './ids.js';
