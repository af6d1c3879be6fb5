import { ErrorCodes } from '@tq/core';
import { describe, expect, test } from 'vitest';
import { hashTagOf, parseRedisUrl, RedisResultBackend, RedisTransport, redisAdapter } from '../src/index.js';

// Asking for cluster mode and the key layout it needs; nothing here connects.
describe('Redis Cluster configuration', () => {
  test('redis+cluster:// lists seed nodes; rediss+cluster:// adds TLS; credentials reach every node', () => {
    expect(parseRedisUrl('redis+cluster://:pw@a:7000,b,[::1]:7002/')).toMatchObject({
      kind: 'cluster',
      db: 0,
      nodes: [
        { host: 'a', port: 7000 },
        { host: 'b', port: 6379 },
        { host: '::1', port: 7002 },
      ],
      options: { password: 'pw' },
    });
    expect(parseRedisUrl('rediss+cluster://a:7000?ssl_cert_reqs=CERT_NONE').options.tls).toEqual({ rejectUnauthorized: false });
  });

  test.each([
    ['redis+cluster://', 'no node'],
    ['redis+cluster://a:7000/2', 'a database other than 0'],
    ['redis+cluster://a:99999', 'a bad port'],
    ['redis+cluster://a:7000,,b:7001', 'an empty host'],
    ['redis+cluster://a:7000?ssl_cert_reqs=none', 'ssl_* without TLS'],
    ['redis+cluster://a:1;redis+cluster://b:2', 'several URLs'],
  ])('%s (%s) is TQ_INVALID_URL', (url) => {
    expect(() => parseRedisUrl(url)).toThrow(expect.objectContaining({ code: ErrorCodes.INVALID_URL }));
    expect(() => new RedisTransport({ url })).toThrow(expect.objectContaining({ code: ErrorCodes.INVALID_URL }));
  });

  test('the cluster option turns a redis:// URL into a seed node, or names the seeds itself', () => {
    expect(new RedisTransport({ url: 'redis://:pw@h:7000', cluster: true }).config).toMatchObject({
      kind: 'cluster',
      nodes: [{ host: 'h', port: 7000 }],
      options: { password: 'pw' },
    });
    const backend = new RedisResultBackend({ url: 'redis://h:7000', cluster: { nodes: [{ host: 'x', port: 1 }], options: { slotsRefreshTimeout: 5000 } } });
    expect(backend.config).toMatchObject({ kind: 'cluster', nodes: [{ host: 'x', port: 1 }], clusterOptions: { slotsRefreshTimeout: 5000 } });
    expect(new RedisTransport({ url: 'redis://h:7000', cluster: false }).config.kind).toBe('standalone');
  });

  test('cluster mode refuses what a cluster cannot be: sentinel or socket URLs, a database other than 0', () => {
    const refused = expect.objectContaining({ code: ErrorCodes.INVALID_CONFIG });
    expect(() => new RedisTransport({ url: 'redis+sentinel://s:26379/0?master_name=m', cluster: true })).toThrow(refused);
    expect(() => new RedisTransport({ url: 'unix:///tmp/r.sock', cluster: true })).toThrow(refused);
    expect(() => new RedisResultBackend({ url: 'redis://h:7000/1', cluster: true })).toThrow(refused);
  });

  test('the default prefix on a cluster is {tq}:, for the transport and the result backend', () => {
    const transport = new RedisTransport({ url: 'redis+cluster://h:7000' });
    expect(transport.keys.unacked).toBe('{tq}:unacked');
    expect(transport.keys.list('celery', 0)).toBe('{tq}:celery');
    expect(new RedisResultBackend({ url: 'redis+cluster://h:7000' }).taskKey('abc')).toBe('{tq}:celery-task-meta-abc');
    expect(new RedisResultBackend({ url: 'redis+cluster://h:7000', keyPrefix: '{app}' }).groupKey('g', '.j')).toBe('{app}_celery-taskset-meta-g.j');
  });

  test.each(['plain:', '{}:', '{open:', 'x}{'])('keyPrefix %j has no hash tag and is refused on a cluster, saying why', (keyPrefix) => {
    for (const create of [() => new RedisTransport({ url: 'redis+cluster://h:7000', keyPrefix }), () => new RedisResultBackend({ url: 'redis+cluster://h:7000', keyPrefix })]) {
      let thrown: unknown;
      try {
        create();
      } catch (error) {
        thrown = error;
      }
      expect(thrown).toMatchObject({ code: ErrorCodes.INVALID_CONFIG, message: expect.stringMatching(/hash tag.*same slot/) });
    }
    // The same prefix is fine off a cluster.
    expect(new RedisTransport({ url: 'redis://h:7000', keyPrefix }).keys.unacked).toBe(`${keyPrefix}unacked`);
  });

  test('hashTagOf reads the tag as Redis Cluster does: first { to the first } after it, not empty', () => {
    expect(hashTagOf('{tq}:')).toBe('tq');
    expect(hashTagOf('app.{jobs}.x{y}')).toBe('jobs');
    expect(hashTagOf('{}{a}')).toBeUndefined();
    expect(hashTagOf('}{a}')).toBe('a');
    expect(hashTagOf('no-tag')).toBeUndefined();
  });

  test('the adapter registration composes both from a cluster URL', () => {
    expect(redisAdapter.schemes).toEqual(expect.arrayContaining(['redis+cluster', 'rediss+cluster']));
    const transport = redisAdapter.transport?.('redis+cluster://h:7000,h:7001', { keyPrefix: '{jobs}:' }) as RedisTransport;
    expect(transport.config).toMatchObject({ kind: 'cluster', nodes: [{ host: 'h', port: 7000 }, { host: 'h', port: 7001 }] });
    expect(transport.keys.unacked).toBe('{jobs}:unacked');
    const backend = redisAdapter.backend?.('rediss+cluster://h:7000', {}) as RedisResultBackend;
    expect(backend.config.kind).toBe('cluster');
  });
});
