import { ErrorCodes, TqError } from '@tq/core';
import type { ClusterOptions } from 'ioredis';
import type { ClusterNode, RedisConnectionConfig } from './url.js';

/**
 * Redis Cluster mode, asked for in code (a `redis+cluster://` URL asks for it too). `true`: the URL's host is the
 * seed node. An object may name the seed nodes (they replace the URL's hosts) and pass ioredis Cluster options.
 */
export type RedisClusterOption =
  | boolean
  | {
      nodes?: readonly ClusterNode[];
      /** Extra ioredis Cluster options (natMap, dnsLookup, slotsRefreshTimeout, ...). */
      options?: ClusterOptions;
    };

/** The key prefix used in cluster mode when none is given: one hash tag, so every key lands in one slot. */
export const DEFAULT_CLUSTER_KEY_PREFIX = '{tq}:';

/** Turns a parsed URL into a cluster config when the `cluster` option asks for one. */
export function withClusterOption(config: RedisConnectionConfig, cluster: RedisClusterOption | undefined): RedisConnectionConfig {
  if (cluster === undefined || cluster === false) return config;
  const extra = typeof cluster === 'object' ? cluster : {};
  if (config.kind === 'sentinel' || config.kind === 'socket') {
    throw new TqError(ErrorCodes.INVALID_CONFIG, `@tq/redis: cluster mode needs redis:// or redis+cluster:// seed nodes, not a ${config.kind} URL`);
  }
  if (config.db !== 0) {
    throw new TqError(ErrorCodes.INVALID_CONFIG, `@tq/redis: a Redis Cluster has database 0 only, the URL asks for ${config.db}`);
  }
  const { host, port, db: _db, ...nodeOptions } = config.options;
  const nodes = extra.nodes ? [...extra.nodes] : (config.nodes ?? [{ host: host ?? '127.0.0.1', port: port ?? 6379 }]);
  if (nodes.length === 0) throw new TqError(ErrorCodes.INVALID_CONFIG, '@tq/redis: cluster.nodes is empty');
  return {
    ...config,
    kind: 'cluster',
    options: nodeOptions,
    nodes,
    ...(extra.options ? { clusterOptions: { ...config.clusterOptions, ...extra.options } } : {}),
  };
}

/**
 * The hash tag of a key prefix, as Redis Cluster reads it from every key that starts with it: the text between
 * the first `{` and the first `}` after it, when not empty. Undefined when the prefix does not decide the slot of
 * its keys on its own (no `{`, no closing `}` inside the prefix, or `{}`).
 */
export function hashTagOf(prefix: string): string | undefined {
  const open = prefix.indexOf('{');
  if (open < 0) return undefined;
  const close = prefix.indexOf('}', open + 1);
  if (close < 0 || close === open + 1) return undefined;
  return prefix.slice(open + 1, close);
}

/**
 * The key prefix to use on a cluster: the default `{tq}:` when none is given, the given one when it carries a hash
 * tag, and a TQ_INVALID_CONFIG otherwise. Scripts, MULTI and pipelines touch several keys at once, and a cluster
 * only runs those when every key is in one slot; a hash tag in the prefix puts all of them there.
 */
export function clusterKeyPrefix(prefix: string | undefined, what: string): string {
  if (prefix === undefined || prefix === '') return DEFAULT_CLUSTER_KEY_PREFIX;
  if (hashTagOf(prefix) !== undefined) return prefix;
  throw new TqError(
    ErrorCodes.INVALID_CONFIG,
    `@tq/redis: ${what} keyPrefix ${JSON.stringify(prefix)} has no hash tag; on a Redis Cluster the prefix must contain one ` +
      `(for example "${suggestion(prefix)}") so every key of a script, transaction or pipeline is in the same slot`,
    { details: { keyPrefix: prefix } },
  );
}

function suggestion(prefix: string): string {
  const name = prefix.replace(/[{}]/g, '').replace(/[:_.-]+$/, '');
  return `{${name || 'tq'}}:`;
}
