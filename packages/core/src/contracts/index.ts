export * from './capabilities.js';
export type * from './message.js';
export type * from './transport.js';
export * from './result-backend.js';
export type * from './serializer.js';
export type * from './pool.js';
