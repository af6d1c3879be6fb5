import { abortError, ErrorCodes, TqError } from '@tq/core';
import { Redis, type RedisOptions } from 'ioredis';
import { isAuthError, isTlsRefusal, toTqError } from './errors.js';
import type { RedisConnectionConfig } from './url.js';

export type ConnectionRole = 'command' | 'blocking' | 'subscriber';

/** Reconnect forever with capped backoff: a worker must come back by itself after Redis restarts. */
function retryStrategy(times: number): number {
  return Math.min(50 * 2 ** Math.min(times, 6), 2000) + Math.floor(Math.random() * 100);
}

/**
 * One ioredis connection. Commands issued while disconnected wait in the offline queue until the connection is
 * back (no per-request retry limit); commands that were on the wire when it dropped fail instead of being resent,
 * because resending a fetch could pop messages twice. Callers bound their waits with an AbortSignal.
 */
export function createConnection(config: RedisConnectionConfig, role: ConnectionRole, extra: RedisOptions = {}): Redis {
  const options: RedisOptions = {
    ...config.options,
    lazyConnect: true,
    maxRetriesPerRequest: null,
    enableOfflineQueue: true,
    autoResendUnfulfilledCommands: false,
    autoResubscribe: role === 'subscriber',
    retryStrategy,
    connectionName: `tq:${role}`,
    ...extra,
  };
  const client = new Redis(options);
  // Errors are reported through the operations that fail; an unhandled 'error' event must not crash the process.
  client.on('error', () => {});
  client.on('close', () => failUnanswered(client));
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
export function waitReady(client: Redis, options: ReadyOptions): Promise<void> {
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
    if (client.status === 'wait') client.connect().catch(() => {});
  });
}

/** Closes a connection: QUIT politely, or drop it at once with `force`. Never throws. */
export async function closeConnection(client: Redis, force = false): Promise<void> {
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
    private readonly client: () => Redis,
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
