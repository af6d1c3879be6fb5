import { ErrorCodes, TqError } from '@tq/core';
import { describe, expect, test } from 'vitest';
import { parseRedisUrl, RedisResultBackend, RedisTransport } from '../src/index.js';

describe('Redis URLs', () => {
  test('redis:// with password, user, port and db', () => {
    expect(parseRedisUrl('redis://:s%40cret@cache.local:6380/3')).toMatchObject({
      kind: 'standalone',
      db: 3,
      options: { host: 'cache.local', port: 6380, db: 3, password: 's@cret' },
    });
    expect(parseRedisUrl('redis://alice:pw@h').options).toMatchObject({ username: 'alice', password: 'pw', port: 6379, db: 0 });
    expect(parseRedisUrl('redis://h:1/').db).toBe(0);
    expect(parseRedisUrl('redis://').options).toMatchObject({ host: '127.0.0.1', port: 6379 });
    expect(parseRedisUrl('redis://[::1]:7000/2').options).toMatchObject({ host: '::1', port: 7000, db: 2 });
  });

  test('rediss:// turns TLS on; ssl_cert_reqs=CERT_NONE skips verification', () => {
    expect(parseRedisUrl('rediss://h:6380/0').options.tls).toEqual({});
    expect(parseRedisUrl('rediss://h/0?ssl_cert_reqs=CERT_NONE').options.tls).toEqual({ rejectUnauthorized: false });
  });

  test('redis+sentinel:// and Celery’s sentinel://a;sentinel://b list sentinels and name the master', () => {
    expect(parseRedisUrl('redis+sentinel://:pw@s1:26379,s2/1?master_name=mymaster')).toMatchObject({
      kind: 'sentinel',
      db: 1,
      options: { name: 'mymaster', password: 'pw', sentinels: [{ host: 's1', port: 26379 }, { host: 's2', port: 26379 }] },
    });
    expect(parseRedisUrl('sentinel://s1:26380/0;sentinel://s2:26381/0', { masterName: 'm' }).options).toMatchObject({
      name: 'm',
      sentinels: [
        { host: 's1', port: 26380 },
        { host: 's2', port: 26381 },
      ],
    });
  });

  test('unix sockets', () => {
    expect(parseRedisUrl('redis+socket:///var/run/redis.sock?virtual_host=2')).toMatchObject({ kind: 'socket', db: 2, options: { path: '/var/run/redis.sock' } });
    expect(parseRedisUrl('unix:///tmp/r.sock?db=1').options).toMatchObject({ path: '/tmp/r.sock', db: 1 });
  });

  test.each([
    ['', 'empty'],
    ['localhost:6379', 'no scheme'],
    ['ftp://h/0', 'other scheme'],
    ['redis://h:notaport/0', 'bad port'],
    ['redis://h:70000/0', 'port out of range'],
    ['redis://h/abc', 'db not a number'],
    ['redis://h/0?ssl_cert_reqs=CERT_NONE', 'ssl parameters without rediss'],
    ['rediss://h/0?ssl_cert_reqs=maybe', 'bad ssl_cert_reqs'],
    ['redis+sentinel://s1:26379/0', 'sentinel without a master name'],
    ['redis://a;redis://b', 'several servers without sentinel'],
    ['redis+socket://', 'socket without a path'],
  ])('%j is refused with TQ_INVALID_URL (%s), password masked', (url) => {
    let failure: unknown;
    try {
      parseRedisUrl(url);
    } catch (error) {
      failure = error;
    }
    expect(TqError.is(failure, ErrorCodes.INVALID_URL)).toBe(true);
  });

  test('error messages never show the password', () => {
    const failure = (() => {
      try {
        parseRedisUrl('redis://:hunter2@h/notadb');
      } catch (error) {
        return error as Error;
      }
    })();
    expect(failure?.message).not.toContain('hunter2');
  });

  test('the transport and backend constructors refuse broken URLs and options', () => {
    expect(() => new RedisTransport({ url: 'redis://h/x' })).toThrow(expect.objectContaining({ code: ErrorCodes.INVALID_URL }));
    expect(() => new RedisResultBackend({ url: 'nope' })).toThrow(expect.objectContaining({ code: ErrorCodes.INVALID_URL }));
    expect(() => new RedisTransport({ visibilityTimeoutMs: 0 })).toThrow(expect.objectContaining({ code: ErrorCodes.INVALID_CONFIG }));
    expect(() => new RedisTransport({ prioritySteps: [0, 5, 3] })).toThrow(expect.objectContaining({ code: ErrorCodes.INVALID_CONFIG }));
  });
});
