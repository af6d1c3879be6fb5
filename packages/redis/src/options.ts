import { ErrorCodes, TqError } from '@tq/core';
import type { RedisOptions } from 'ioredis';
import type { RedisClusterOption } from './cluster.js';
import { KOMBU_PRIORITY_STEPS, KOMBU_SEP } from './keys.js';

export interface RedisTransportOptions {
  /** @default 'redis://127.0.0.1:6379/0' */
  url?: string;
  /**
   * kombu's `global_keyprefix`: prepended verbatim to every key and fanout channel. On a Redis Cluster it must
   * contain a hash tag (`{name}`). @default '' (cluster: '{tq}:')
   */
  keyPrefix?: string;
  /**
   * Redis Cluster mode (a `redis+cluster://` URL asks for it too): every key under one hash-tagged prefix, so one
   * slot. Not kombu-compatible: Python Celery cannot share these queues (see README, "Redis Cluster").
   */
  cluster?: RedisClusterOption;
  /**
   * kombu's `visibility_timeout`: an unacked message whose lease is this old is put back by whoever sweeps first
   * (tq or a Python worker). Every worker on the broker must use the same value. @default 3_600_000 (1 hour)
   */
  visibilityTimeoutMs?: number;
  /**
   * Keep the leases of held messages (fetched, not yet acked) fresh while this process runs, so a long task or
   * an ETA task held past the visibility timeout is not redelivered to another worker. @default true
   */
  renewLeases?: boolean;
  /** How often this process sweeps `unacked_index` for expired leases (under `unacked_mutex`). @default 10_000 */
  restoreIntervalMs?: number;
  /** kombu's `unacked_mutex_expire`. @default 300_000 */
  unackedMutexExpireMs?: number;
  /** kombu's `priority_steps`; must match the Python side. @default [0, 3, 6, 9] */
  prioritySteps?: readonly number[];
  /**
   * The tq priority (higher first) of a message published without one. 0 puts it in kombu's last bucket; 9 puts it
   * in the first bucket, where Celery's Redis clients put messages without a priority. @default 0
   */
  defaultPriority?: number;
  /** kombu's `sep`; must match the Python side. @default '\x06\x16' */
  separator?: string;
  /** Most messages one fetch round trip takes (the consumer's free prefetch window caps it too). @default 1000 */
  fetchBatchSize?: number;
  /** How long an idle blocking wait lasts before it is renewed (the blocking connections' health check). @default 5000 */
  idleWaitMs?: number;
  /** `reject({requeue:false})` moves the message to `<queue>.dead` (false: drop it, as kombu does). @default true */
  deadLetter?: boolean;
  /** Sentinel master name when the URL does not carry one. */
  masterName?: string;
  /** How long `connect()` waits for Redis before TQ_CONNECTION_LOST. @default 10_000 */
  connectTimeoutMs?: number;
  /** Receives problems met while consuming (bad messages moved aside, lost connections); consumption goes on. */
  onError?: (error: TqError) => void;
  /** Extra ioredis options (TLS material, timeouts, ...), merged over what the URL gives. */
  redis?: RedisOptions;
}

export type ResolvedTransportOptions = Required<Omit<RedisTransportOptions, 'masterName' | 'onError' | 'redis' | 'cluster'>> &
  Pick<RedisTransportOptions, 'masterName' | 'redis'> & { onError: (error: TqError) => void };

export const DEFAULT_URL = 'redis://127.0.0.1:6379/0';

export function defaultErrorReporter(error: TqError): void {
  console.warn(`[tq/redis] ${error.code}: ${error.message}`);
}

export function resolveTransportOptions(options: RedisTransportOptions): ResolvedTransportOptions {
  const resolved: ResolvedTransportOptions = {
    url: options.url ?? DEFAULT_URL,
    keyPrefix: options.keyPrefix ?? '',
    visibilityTimeoutMs: options.visibilityTimeoutMs ?? 3_600_000,
    renewLeases: options.renewLeases ?? true,
    restoreIntervalMs: options.restoreIntervalMs ?? 10_000,
    unackedMutexExpireMs: options.unackedMutexExpireMs ?? 300_000,
    prioritySteps: options.prioritySteps ?? KOMBU_PRIORITY_STEPS,
    separator: options.separator ?? KOMBU_SEP,
    defaultPriority: options.defaultPriority ?? 0,
    fetchBatchSize: options.fetchBatchSize ?? 1000,
    idleWaitMs: options.idleWaitMs ?? 5000,
    deadLetter: options.deadLetter ?? true,
    connectTimeoutMs: options.connectTimeoutMs ?? 10_000,
    onError: options.onError ?? defaultErrorReporter,
    ...(options.masterName ? { masterName: options.masterName } : {}),
    ...(options.redis ? { redis: options.redis } : {}),
  };
  const positive: (keyof ResolvedTransportOptions)[] = [
    'visibilityTimeoutMs',
    'restoreIntervalMs',
    'unackedMutexExpireMs',
    'fetchBatchSize',
    'idleWaitMs',
    'connectTimeoutMs',
  ];
  for (const key of positive) {
    const value = resolved[key];
    if (typeof value !== 'number' || !(value > 0)) throw invalidOption(key, value);
  }
  const steps = resolved.prioritySteps;
  if (steps.length === 0 || steps.some((step, i) => !Number.isInteger(step) || (i > 0 && step <= (steps[i - 1] as number)))) {
    throw invalidOption('prioritySteps', steps);
  }
  if (resolved.separator === '') throw invalidOption('separator', resolved.separator);
  return resolved;
}

function invalidOption(name: string, value: unknown): TqError {
  return new TqError(ErrorCodes.INVALID_CONFIG, `@tq/redis: bad option ${name}: ${JSON.stringify(value)}`);
}
