import type { AdapterRegistration } from '@tq/core';
import { memcachedBackend } from './memcached-backend.js';
import type { MemcachedBackendOptions } from './options.js';

/** Lets `memcached://` (and Celery's `cache+memcached://`) URLs in app config resolve to this backend. */
export const memcachedAdapter: AdapterRegistration = {
  schemes: ['memcached', 'cache+memcached'],
  packageName: '@tq/backend-memcached',
  backend: (url, options) => memcachedBackend(url, options as MemcachedBackendOptions | undefined),
};
