import { Cluster, Redis } from 'ioredis';
import { serviceAvailable, uniqueName } from '../../../tooling/test-support/services.js';

/** The project's own cluster (tooling/services/redis-cluster.sh): three masters on 30001-30003. */
export const CLUSTER_NODES = [30001, 30002, 30003].map((port) => ({ host: '127.0.0.1', port }));
export const CLUSTER_URL = process.env.REDIS_CLUSTER_URL ?? 'redis+cluster://127.0.0.1:30001,127.0.0.1:30002,127.0.0.1:30003';
export const clusterUp = await serviceAvailable('redis cluster (tooling/services/redis-cluster.sh)', '127.0.0.1', 30001);

/** A hash-tagged key prefix no other test (or run) uses: `{tqtest.<label>.<id>}:`. */
export function uniqueClusterPrefix(label: string): string {
  return `{${uniqueName(label)}}:`;
}

/** A plain cluster client for inspecting and arranging keys in tests. */
export function rawCluster(): Cluster {
  return new Cluster(CLUSTER_NODES, { redisOptions: { maxRetriesPerRequest: 1 } });
}

/** A connection to one node only (no redirections followed). */
export function rawNode(port: number): Redis {
  return new Redis({ host: '127.0.0.1', port, maxRetriesPerRequest: 1 });
}

/** Every key under a prefix, from every master (SCAN per node: a cluster has no cluster-wide SCAN). */
export async function clusterKeys(cluster: Cluster, prefix: string): Promise<string[]> {
  const pattern = `${prefix.replace(/[*?[\]\\]/g, '\\$&')}*`;
  const found: string[] = [];
  // The node list is empty until the client has read the slot map.
  if (cluster.status !== 'ready') await new Promise((resolve) => cluster.once('ready', resolve));
  for (const node of cluster.nodes('master')) {
    let cursor = '0';
    do {
      const [next, keys] = await node.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
      cursor = next;
      found.push(...keys);
    } while (cursor !== '0');
  }
  return found;
}

/** Deletes every key under a prefix (never FLUSHALL, even on our own cluster). */
export async function dropClusterPrefix(cluster: Cluster, prefix: string): Promise<number> {
  let deleted = 0;
  for (const key of await clusterKeys(cluster, prefix)) deleted += await cluster.del(key);
  return deleted;
}
