import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Cluster, Redis } from 'ioredis';
import { reachable, serviceAvailable, uniqueName } from '../../../tooling/test-support/services.js';
import { waitUntil } from './helpers.js';
import { freePort } from './private-redis.js';

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

/**
 * A one-node Redis Cluster of the test's own (all 16384 slots on one cluster-enabled redis-server on a free port),
 * for tests that kill connections or restart the server: the shared cluster on 30001-30003 is never disrupted.
 * AOF with fsync always, so a restart keeps every acknowledged write; nodes.conf keeps the slots.
 */
export class PrivateCluster {
  private child: ChildProcess | undefined;
  private readonly dir = mkdtempSync(join(tmpdir(), 'tq-redis-cluster-'));

  private constructor(readonly port: number) {}

  static async start(): Promise<PrivateCluster> {
    const server = new PrivateCluster(await freePort());
    await server.up();
    const node = rawNode(server.port);
    try {
      await node.call('CLUSTER', 'ADDSLOTSRANGE', '0', '16383');
      await waitUntil('the private cluster is ok', async () => String(await node.call('CLUSTER', 'INFO')).includes('cluster_state:ok'), 10_000);
    } finally {
      node.disconnect();
    }
    return server;
  }

  get url(): string {
    return `redis+cluster://127.0.0.1:${this.port}`;
  }

  async up(): Promise<void> {
    const args = ['--port', String(this.port), '--bind', '127.0.0.1', '--dir', this.dir, '--save', '', '--appendonly', 'yes', '--appendfsync', 'always'];
    args.push('--cluster-enabled', 'yes', '--cluster-config-file', join(this.dir, 'nodes.conf'), '--cluster-announce-ip', '127.0.0.1');
    this.child = spawn('redis-server', args, { stdio: 'ignore' });
    await waitUntil(`private cluster node on ${this.port} answers`, () => reachable('127.0.0.1', this.port, 200), 10_000);
  }

  async restart(downForMs = 0): Promise<void> {
    await this.down();
    if (downForMs > 0) await new Promise((resolve) => setTimeout(resolve, downForMs));
    await this.up();
  }

  async down(): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGTERM');
    await exited;
  }

  async stop(): Promise<void> {
    await this.down();
    rmSync(this.dir, { recursive: true, force: true });
  }
}
