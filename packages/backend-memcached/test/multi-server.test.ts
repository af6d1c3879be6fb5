import { Client } from 'memjs';
import { pythonMemcachedServerIndex } from '@tq/backend-memcached';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { Backends, meta } from './helpers.js';
import { type PrivateMemcached, startPrivateMemcached } from './support/private-memcached.js';

const hasMemcached = await import('node:child_process').then(
  ({ spawnSync }) => spawnSync('memcached', ['-V']).status === 0,
);
if (!hasMemcached && process.env.CI === 'true')
  throw new Error('memcached binary missing; under CI=true this is a failure');

describe.skipIf(!hasMemcached)('memcached backend: several servers in the URL', () => {
  const servers: PrivateMemcached[] = [];
  const backends = new Backends();
  let url = '';

  beforeAll(async () => {
    servers.push(await startPrivateMemcached(), await startPrivateMemcached());
    url = `memcached://${servers.map((server) => server.url).join(';')}`;
  });
  afterAll(async () => {
    await backends.closeAll();
    await Promise.all(servers.map((server) => server.stop()));
  });

  test('keys spread over the servers where python-memcached would put them, and all read back', async () => {
    const backend = backends.create({ url, keyPrefix: '' });
    const ids = Array.from({ length: 40 }, (_, i) => `multi-${i}`);
    await Promise.all(ids.map((id) => backend.store(id, meta(id, 'SUCCESS', id))));
    expect((await Promise.all(ids.map((id) => backend.get(id)))).map((stored) => stored?.result)).toEqual(ids);

    const direct = servers.map((server) => Client.create(server.url, { logger: { log: () => {} } }));
    try {
      const used = new Set<number>();
      for (const id of ids) {
        const key = `celery-task-meta-${id}`;
        const expected = pythonMemcachedServerIndex(key, servers.length);
        used.add(expected);
        for (const [index, client] of direct.entries()) {
          const { value } = await client.get(key);
          expect(value !== null, `${key} on server ${index}`).toBe(index === expected);
        }
      }
      expect(used.size).toBe(2);
    } finally {
      for (const client of direct) client.close();
    }
  });

  test('connect() checks every server: one of them down is TQ_CONNECTION_LOST', async () => {
    const backend = backends.create({ url: `${url};127.0.0.1:1`, timeoutMs: 500, retries: 1 });
    await expect(backend.connect()).rejects.toMatchObject({ code: 'TQ_CONNECTION_LOST' });
  });
});
