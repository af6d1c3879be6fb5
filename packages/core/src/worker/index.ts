export * from './worker.js';
export type * from './worker-options.js';
export * from './logger.js';
export { parseRateLimit, TokenBucket } from './rate-limiter.js';
export { backoffSeconds } from './retry-policy.js';
