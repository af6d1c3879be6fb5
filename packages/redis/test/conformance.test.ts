import { resultBackendSuite, transportSuite } from '@tq/conformance';
import { afterAll, afterEach, beforeAll, beforeEach, describe, test } from 'vitest';
import { RedisResultBackend, RedisTransport } from '../src/index.js';
import { dropPrefix, rawClient, REDIS_URL, redisUp, uniquePrefix } from './helpers.js';

// Every key this run creates lives under these prefixes and is deleted afterwards.
const transportPrefix = uniquePrefix('redis-conformance');
const backendPrefix = uniquePrefix('redis-conformance-results');
const reported: unknown[] = [];

afterAll(async () => {
  if (!redisUp) return;
  const client = rawClient();
  await dropPrefix(client, transportPrefix);
  await dropPrefix(client, `${backendPrefix.slice(0, -1)}_`);
  await dropPrefix(client, backendPrefix);
  client.disconnect();
});

const runner = { describe, test, skip: test.skip, beforeAll, afterAll, beforeEach, afterEach };

describe.skipIf(!redisUp)('redis', () => {
  transportSuite(runner, {
    name: 'redis (kombu layout)',
    create: () => new RedisTransport({ url: REDIS_URL, keyPrefix: transportPrefix, onError: (error) => reported.push(error) }),
  });
  resultBackendSuite(runner, {
    name: 'redis (Celery keys)',
    create: () => new RedisResultBackend({ url: REDIS_URL, keyPrefix: backendPrefix }),
  });
});
