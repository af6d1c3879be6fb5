import { resultBackendSuite, transportSuite } from '@tq/conformance';
import { afterAll, afterEach, beforeAll, beforeEach, describe, test } from 'vitest';
import { RedisResultBackend, RedisTransport } from '../src/index.js';
import { CLUSTER_URL, clusterUp, dropClusterPrefix, rawCluster, uniqueClusterPrefix } from './cluster-support.js';

// The same suites as conformance.test.ts, on the project's Redis Cluster, each under its own hash-tagged prefix.
const transportPrefix = uniqueClusterPrefix('cluster-conformance');
const backendPrefix = uniqueClusterPrefix('cluster-conformance-results');

afterAll(async () => {
  if (!clusterUp) return;
  const cluster = rawCluster();
  await dropClusterPrefix(cluster, transportPrefix);
  await dropClusterPrefix(cluster, backendPrefix);
  cluster.disconnect();
});

const runner = { describe, test, skip: test.skip, beforeAll, afterAll, beforeEach, afterEach };

describe.skipIf(!clusterUp)('redis cluster', () => {
  transportSuite(runner, {
    name: 'redis cluster (hash-tagged layout)',
    create: () => new RedisTransport({ url: CLUSTER_URL, keyPrefix: transportPrefix, onError: () => {} }),
  });
  resultBackendSuite(runner, {
    name: 'redis cluster (hash-tagged Celery keys)',
    create: () => new RedisResultBackend({ url: CLUSTER_URL, keyPrefix: backendPrefix }),
  });
});
