import { ErrorCodes, type ResultBackendFactory, TqError } from '@tq/core';
import {
  memcachedBackend,
  memcachedExptime,
  parseMemcachedUrl,
  pythonMemcachedServerIndex,
  RELATIVE_EXPIRY_LIMIT_SECONDS,
} from '@tq/backend-memcached';
import { describe, expect, test } from 'vitest';

describe('memcached URLs', () => {
  test.each([
    [
      'memcached://h1:11211;h2:11212',
      [
        { host: 'h1', port: 11211 },
        { host: 'h2', port: 11212 },
      ],
    ],
    [
      'cache+memcached://10.0.0.1:11211;10.0.0.2:11211/',
      [
        { host: '10.0.0.1', port: 11211 },
        { host: '10.0.0.2', port: 11211 },
      ],
    ],
    ['memcache://cachehost', [{ host: 'cachehost', port: 11211 }]],
    [
      'memcached://a:1,b:2',
      [
        { host: 'a', port: 1 },
        { host: 'b', port: 2 },
      ],
    ],
    ['memcached://[::1]:11311', [{ host: '::1', port: 11311 }]],
    ['memcached://', [{ host: '127.0.0.1', port: 11211 }]],
  ])('%s', (url, servers) => {
    expect(parseMemcachedUrl(url).servers).toEqual(servers);
  });

  test('credentials for SASL come first and are decoded', () => {
    expect(parseMemcachedUrl('memcached://user:p%40ss@h1:11211;h2')).toEqual({
      servers: [
        { host: 'h1', port: 11211 },
        { host: 'h2', port: 11211 },
      ],
      username: 'user',
      password: 'p@ss',
    });
  });

  test.each(['redis://localhost', 'memcached://host:notaport', 'memcached://host:70000', 'memcached://a b:1'])(
    '%s is refused with TQ_INVALID_URL',
    (url) => {
      try {
        parseMemcachedUrl(url);
        expect.unreachable();
      } catch (error) {
        expect(TqError.is(error, ErrorCodes.INVALID_URL)).toBe(true);
      }
    },
  );

  test('the factory fits the tq command’s ResultBackendFactory and validates options', () => {
    const factory: ResultBackendFactory = memcachedBackend;
    expect(typeof factory).toBe('function');
    expect(() => memcachedBackend({ pollMinMs: 0 })).toThrow(/pollMinMs/);
    expect(() => memcachedBackend({ keyPrefix: 'has space' })).toThrow(/keyPrefix/);
  });
});

describe('memcached expiry times', () => {
  const now = Date.UTC(2026, 0, 1);
  test('up to 30 days: seconds from now, rounded up', () => {
    expect(memcachedExptime(1, now)).toBe(1);
    expect(memcachedExptime(1500, now)).toBe(2);
    expect(memcachedExptime(86_400_000, now)).toBe(86_400);
    expect(memcachedExptime(RELATIVE_EXPIRY_LIMIT_SECONDS * 1000, now)).toBe(RELATIVE_EXPIRY_LIMIT_SECONDS);
  });

  test('beyond 30 days: an absolute Unix time, because memcached reads large values that way', () => {
    const thirtyOneDays = 31 * 86_400_000;
    expect(memcachedExptime(thirtyOneDays, now)).toBe(now / 1000 + 31 * 86_400);
  });

  test('0, negative or infinite: never expires', () => {
    expect(memcachedExptime(0, now)).toBe(0);
    expect(memcachedExptime(-5, now)).toBe(0);
    expect(memcachedExptime(Number.POSITIVE_INFINITY, now)).toBe(0);
  });
});

describe('key distribution over several servers', () => {
  // Values from python-memcached 1.59's cmemcache_hash (what Celery's cache backend uses), computed with
  // /usr/bin/python3 -c "import memcache; print(memcache.cmemcache_hash(key.encode()))".
  test.each([
    ['celery-task-meta-d6b9b7c2-0b8f-4a43-9c7c-0c6f1b1a2b3c', 8829],
    ['chord-unlock-g1', 13291],
    ['a', 26807],
    ['héllo', 7739],
    ['celery-taskset-meta-x', 10478],
  ])('%s lands where python-memcached puts it', (key, pythonHash) => {
    for (const servers of [1, 2, 3, 5])
      expect(pythonMemcachedServerIndex(key, servers)).toBe(servers === 1 ? 0 : pythonHash % servers);
  });
});
