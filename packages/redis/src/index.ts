export { RedisTransport, redisTransport } from './transport.js';
export { RedisResultBackend, redisResultBackend } from './result-backend.js';
export type { RedisTransportOptions } from './options.js';
export type { RedisResultBackendOptions } from './result-backend.js';
export { REDIS_BACKEND_CAPABILITIES, REDIS_TRANSPORT_CAPABILITIES } from './capabilities.js';
export { parseRedisUrl, type RedisConnectionConfig } from './url.js';
export { fromWirePriority, toWirePriority } from './priority.js';
export type { RedisDelivery } from './delivery.js';
export { redisAdapter } from './adapter.js';
