export { MemcachedResultBackend, memcachedBackend } from './memcached-backend.js';
export type { MemcachedBackendOptions, ResolvedMemcachedOptions } from './options.js';
export { parseMemcachedUrl, type MemcachedServerAddress, type ParsedMemcachedUrl } from './url.js';
export { memcachedExptime, RELATIVE_EXPIRY_LIMIT_SECONDS } from './expiry.js';
export { pythonMemcachedServerIndex } from './server-selection.js';
export { memcachedAdapter } from './adapter.js';
