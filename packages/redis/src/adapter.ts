import type { AdapterRegistration } from '@tq/core';
import { RedisResultBackend, type RedisResultBackendOptions } from './result-backend.js';
import { RedisTransport } from './transport.js';
import type { RedisTransportOptions } from './options.js';

/**
 * Lets Redis URLs in app config resolve: `createApp({ broker: 'redis://...', adapters: [redisAdapter] })`.
 * Options given to the app (`brokerOptions`, `backendOptions`) reach the constructors.
 */
export const redisAdapter: AdapterRegistration = {
  schemes: ['redis', 'rediss', 'redis+sentinel', 'rediss+sentinel', 'sentinel', 'redis+socket', 'unix', 'redis+cluster', 'rediss+cluster'],
  transport: (url, options) => new RedisTransport({ ...(options as RedisTransportOptions | undefined), url }),
  backend: (url, options) => new RedisResultBackend({ ...(options as RedisResultBackendOptions | undefined), url }),
  packageName: '@tq/redis',
};
