import { abortError, ErrorCodes, TqError } from '@tq/core';
import { Cluster, Redis, type RedisOptions } from 'ioredis';
import { isAuthError, isTlsRefusal, toTqError } from './errors.js';
import type { RedisConnectionConfig } from './url.js';

export type ConnectionRole = 'command' | 'blocking' | 'subscriber';

/** A connection to one server (standalone, sentinel, socket) or to a Redis Cluster; both speak the same commands. */
export type RedisClient = Redis | Cluster;

/** Reconnect forever with capped backoff: a worker must come back by itself after Redis restarts. */
function retryStrategy(times: number): number {
  return Math.min(50 * 2 ** Math.min(times, 6), 2000) + Math.floor(Math.random() * 100);
}

/**
 * One ioredis connection. Commands issued while disconnected wait in the offline queue until the connection is
 * back (no per-request retry limit); commands that were on the wire when it dropped fail instead of being resent,
 * because resending a fetch could pop messages twice. Callers bound their waits with an AbortSignal.
 */
export function createConnection(config: RedisConnectionConfig, role: ConnectionRole, extra: RedisOptions = {}): RedisClient {
  const perConnection: RedisOptions = {
    maxRetriesPerRequest: null,
    autoResendUnfulfilledCommands: false,
    connectionName: `tq:${role}`,
    ...extra,
  };
  if (config.kind === 'cluster') return createClusterConnection(config, perConnection);
  const options: RedisOptions = {
    ...config.options,
    lazyConnect: true,
    enableOfflineQueue: true,
    autoResubscribe: role === 'subscriber',
    retryStrategy,
    ...perConnection,
  };
  const client = new Redis(options);
  // Errors are reported through the operations that fail; an unhandled 'error' event must not crash the process.
  client.on('error', () => {});
  client.on('close', () => failUnanswered(client));
  return client;
}

/**
 * A Redis Cluster client. The cluster reconnects as a whole (`clusterRetryStrategy`); each node's connection is
 * recreated rather than reconnected, and ioredis fails the commands it had on the wire when that connection ends.
 * `retryDelayOnFailover: 0` keeps the single-server rule that a command on the wire when a connection drops is
 * failed, not resent to another node (ioredis would otherwise resend it, and a resent fetch pops twice). Node
 * connections that do reconnect (a user's `clusterNodeRetryStrategy`) get `failUnanswered` as single servers do.
 */
function createClusterConnection(config: RedisConnectionConfig, perConnection: RedisOptions): Cluster {
  const client = new Cluster(config.nodes ?? [], {
    lazyConnect: true,
    enableOfflineQueue: true,
    clusterRetryStrategy: retryStrategy,
    retryDelayOnFailover: 0,
    ...config.clusterOptions,
    redisOptions: { ...config.options, ...config.clusterOptions?.redisOptions, ...perConnection },
  });
  client.on('error', () => {});
  client.on('node error', () => {});
  client.on('+node', (node: Redis) => node.on('close', () => failUnanswered(node)));
  return client;
}

interface QueuedCommand {
  command?: { reject?: (error: Error) => void };
}
interface CommandQueues {
  commandQueue?: { toArray?: () => QueuedCommand[] };
  prevCommandQueue?: { toArray?: () => QueuedCommand[] } | null;
}

/**
 * With `autoResendUnfulfilledCommands: false`, ioredis drops the commands that were on the wire when a connection
 * closed without ever settling their promises, so a fetch, an ack or a blocking peek would wait forever. They are
 * failed here instead (as lost connections), and each caller decides: acks are sent again, a fetch is recovered
 * from its inflight record, a blocking peek is re-armed, a publish reports TQ_CONNECTION_LOST.
 */
function failUnanswered(client: Redis): void {
  const queues = client as unknown as CommandQueues;
  const lost = new Error('Connection is closed.');
  for (const queue of [queues.prevCommandQueue, queues.commandQueue]) {
    for (const item of queue?.toArray?.() ?? []) item.command?.reject?.(lost);
  }
}

export interface ReadyOptions {
  signal?: AbortSignal | undefined;
  timeoutMs: number;
  what: string;
}

/**
 * Waits until the connection is ready. Refused credentials or a refused TLS certificate fail at once with
 * TQ_BROKER_REFUSED; an unreachable
 * server fails with TQ_CONNECTION_LOST after `timeoutMs` (ioredis keeps trying in the background).
 */
export function waitReady(client: RedisClient, options: ReadyOptions): Promise<void> {
  if (client.status === 'ready') return Promise.resolve();
  if (client.status === 'end') {
    return Promise.reject(new TqError(ErrorCodes.CLOSED, `${options.what}: the connection is closed`));
  }
  return new Promise<void>((resolve, reject) => {
    let lastError: unknown;
    const cleanup = () => {
      clearTimeout(timer);
      client.off('ready', onReady);
      client.off('error', onError);
      client.off('node error', onError);
      options.signal?.removeEventListener('abort', onAbort);
    };
    const onReady = () => {
      cleanup();
      resolve();
    };
    const onError = (error: unknown) => {
      lastError = error;
      if (isAuthError(error) || isTlsRefusal(error)) {
        cleanup();
        client.disconnect();
        reject(toTqError(error, options.what));
      }
    };
    const onAbort = () => {
      cleanup();
      reject(abortError(options.signal, options.what));
    };
    const timer = setTimeout(() => {
      cleanup();
      const reason = lastError instanceof Error ? `: ${lastError.message}` : '';
      reject(
        new TqError(ErrorCodes.CONNECTION_LOST, `${options.what}: Redis was not reachable within ${options.timeoutMs} ms${reason}`, {
          retryable: true,
          ...(lastError === undefined ? {} : { cause: lastError }),
        }),
      );
    }, options.timeoutMs);
    if (options.signal?.aborted) return onAbort();
    options.signal?.addEventListener('abort', onAbort, { once: true });
    client.on('ready', onReady);
    client.on('error', onError);
    // A cluster reports a node's refusals (credentials, TLS) as 'node error'.
    client.on('node error', onError);
    if (client.status === 'wait') client.connect().catch(() => {});
  });
}

/** Closes a connection: QUIT politely, or drop it at once with `force`. Never throws. */
export async function closeConnection(client: RedisClient, force = false): Promise<void> {
  if (client.status === 'end') return;
  if (force || client.status !== 'ready') {
    client.disconnect();
    return;
  }
  try {
    await Promise.race([client.quit(), new Promise((resolve) => setTimeout(resolve, 1000))]);
  } catch {
    // already gone
  }
  client.disconnect();
}

/**
 * One readiness wait shared by every caller of a connection (many concurrent calls do not each add listeners),
 * each caller with its own AbortSignal.
 */
export class ReadyGate {
  private pending: Promise<void> | undefined;

  constructor(
    private readonly client: () => RedisClient,
    private readonly timeoutMs: number,
    private readonly what: string,
  ) {}

  async wait(signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) throw abortError(signal, this.what);
    const client = this.client();
    if (client.status === 'ready') return;
    this.pending ??= waitReady(client, { timeoutMs: this.timeoutMs, what: this.what }).finally(() => {
      this.pending = undefined;
    });
    if (!signal) return this.pending;
    await new Promise<void>((resolve, reject) => {
      const onAbort = () => reject(abortError(signal, this.what));
      signal.addEventListener('abort', onAbort, { once: true });
      this.pending?.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
    });
  }
}
