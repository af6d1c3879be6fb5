import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AppSpec } from './bench-app.js';
import { hostPort, reachable } from './reachable.js';
import { deleteRedisKeys } from './redis-keys.js';
import { PrivateSqsServer } from './sqs-server.js';

export const BROKERS = ['sqlite', 'redis', 'amqp', 'sqs'] as const;
export type BrokerName = (typeof BROKERS)[number];

/** tq's own queue names on every broker (the peers use pb_celery / pb_bull:*). */
export const QUEUES = { w1: 'tqbench_w1', w2: 'tqbench_w2', w3: 'tqbench_w3' } as const;

/**
 * Redis data of the bench lives in DB 8 under the `tqbench:` prefix (queues, kombu bindings, results); the peer
 * harness keeps to DB 7. Cleanup deletes `tqbench:*` in that DB only.
 */
export const REDIS_URL = process.env.TQ_BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379/8';
export const REDIS_PREFIX = 'tqbench:';
export const AMQP_URL = process.env.TQ_BENCH_AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672//';

/** A result backend the worker stores into (W2 with results, W3). */
export interface ResultStore {
  name: string;
  url: string;
  options?: Record<string, unknown>;
}

export interface Target {
  readonly broker: BrokerName;
  readonly brokerUrl: string;
  readonly brokerOptions: Record<string, unknown>;
  /** Backends for the "with results" W2 runs. */
  readonly w2Results: ResultStore[];
  /** Backends W3 waits on (it needs one). */
  readonly w3Results: ResultStore[];
  /** Fraction of N this broker runs (SQS is functional only: a local emulator, numbers mean little). */
  readonly scale: number;
  /** Removes what the bench created on the broker and in Redis; safe to call more than once. */
  cleanup(): Promise<void>;
  /** Stops private servers and removes temporary files. */
  close(): Promise<void>;
}

export function appSpec(target: Target, queue: string, store: ResultStore | null): AppSpec {
  return {
    queue,
    brokerUrl: target.brokerUrl,
    brokerOptions: target.brokerOptions,
    backendUrl: store?.url ?? null,
    backendOptions: store?.options,
  };
}

const redisStore: ResultStore = { name: 'redis', url: REDIS_URL, options: { keyPrefix: REDIS_PREFIX } };

/** Opens a broker for the bench, or says why it cannot run here. */
export async function openTarget(broker: BrokerName): Promise<Target | { skipped: string }> {
  const redisUp = await reachableUrl(REDIS_URL, 6379);
  switch (broker) {
    case 'sqlite': {
      const dir = mkdtempSync(join(tmpdir(), 'tqbench-sqlite-'));
      const url = `sqlite://${join(dir, 'bench.db')}`;
      return {
        broker,
        brokerUrl: url,
        brokerOptions: {},
        w2Results: [{ name: 'sqlite', url }],
        w3Results: [{ name: 'sqlite', url }],
        scale: 1,
        cleanup: async () => undefined,
        close: async () => rmSync(dir, { recursive: true, force: true }),
      };
    }
    case 'redis': {
      if (!redisUp) return { skipped: `Redis is not reachable at ${REDIS_URL}` };
      const cleanup = async () => void (await deleteRedisKeys(REDIS_URL, REDIS_PREFIX));
      return { broker, brokerUrl: REDIS_URL, brokerOptions: { keyPrefix: REDIS_PREFIX }, w2Results: [redisStore], w3Results: [redisStore], scale: 1, cleanup, close: cleanup };
    }
    case 'amqp': {
      if (!(await reachableUrl(AMQP_URL, 5672))) return { skipped: `RabbitMQ is not reachable at ${AMQP_URL}` };
      const rpc: ResultStore = { name: 'rpc', url: 'rpc://', options: { brokerUrl: AMQP_URL } };
      const cleanup = async () => {
        await deleteQueues(AMQP_URL, {});
        if (redisUp) await deleteRedisKeys(REDIS_URL, REDIS_PREFIX);
      };
      return {
        broker,
        brokerUrl: AMQP_URL,
        // No per-queue direct exchange (Celery's habit): publishing goes through the default exchange either way,
        // and the bench then leaves nothing behind on RabbitMQ but what deleteQueue removes.
        brokerOptions: { declareQueueExchange: false },
        w2Results: redisUp ? [redisStore] : [],
        w3Results: redisUp ? [rpc, redisStore] : [rpc],
        scale: 1,
        cleanup,
        close: cleanup,
      };
    }
    case 'sqs': {
      const server = await PrivateSqsServer.start().catch((error: Error) => error);
      if (server instanceof Error) return { skipped: `could not start the local SQS server: ${server.message}` };
      const url = `sqs://bench:bench@127.0.0.1:${server.port}?region=us-east-1`;
      const cleanup = async () => {
        if (redisUp) await deleteRedisKeys(REDIS_URL, REDIS_PREFIX);
      };
      return {
        broker,
        brokerUrl: url,
        brokerOptions: {},
        w2Results: [],
        w3Results: redisUp ? [redisStore] : [],
        scale: 0.1,
        cleanup,
        close: async () => {
          await cleanup();
          await server.stop();
        },
      };
    }
  }
}

async function reachableUrl(url: string, defaultPort: number): Promise<boolean> {
  const { host, port } = hostPort(url, defaultPort);
  return reachable(host, port);
}

async function deleteQueues(url: string, options: Record<string, unknown>): Promise<void> {
  const { amqpTransport } = await import('@tq/amqp');
  const transport = amqpTransport(url, options);
  try {
    for (const queue of Object.values(QUEUES)) await transport.deleteQueue(queue).catch(() => undefined);
  } finally {
    await transport.close();
  }
}
