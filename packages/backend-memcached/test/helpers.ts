import { Client } from 'memjs';
import { type MemcachedBackendOptions, memcachedBackend, type MemcachedResultBackend } from '@tq/backend-memcached';
import type { ResultMeta } from '@tq/core';
import { serviceAvailable, uniqueName } from '../../../tooling/test-support/services.js';

export const MEMCACHED_URL = 'memcached://127.0.0.1:11211';
export const memcachedUp = await serviceAvailable('memcached', '127.0.0.1', 11211);
export { uniqueName };

/**
 * Backends under a key prefix of their own (tests share the one memcached), closed by `closeAll()`. memcached
 * cannot list keys, so tests forget what they store; anything left expires with its TTL.
 */
export class Backends {
  readonly prefix = `${uniqueName('mc')}.`;
  readonly #open: MemcachedResultBackend[] = [];

  create(options: MemcachedBackendOptions = {}): MemcachedResultBackend {
    const backend = memcachedBackend({ url: MEMCACHED_URL, keyPrefix: this.prefix, expiresMs: 120_000, ...options });
    this.#open.push(backend);
    return backend;
  }

  async closeAll(): Promise<void> {
    await Promise.allSettled(this.#open.splice(0).map((backend) => backend.close()));
  }
}

/** A raw memjs client, to look at keys and flags as Celery would see them. */
export function rawClient(servers = '127.0.0.1:11211'): Client {
  return Client.create(servers, { logger: { log: () => {} }, retries: 1 });
}

export function meta(taskId: string, status: string, result: unknown, extra: Partial<ResultMeta> = {}): ResultMeta {
  return { status, result, traceback: null, children: [], date_done: null, task_id: taskId, ...extra };
}
