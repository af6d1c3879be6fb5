import { closeConnection, createConnection, type RedisClient } from './connection.js';
import type { RedisConnectionConfig } from './url.js';

export type MessageHandler = (channel: string, payload: Buffer) => void;

/**
 * One shared pub/sub connection with reference-counted subscriptions: many listeners on one channel or pattern
 * cost one SUBSCRIBE. ioredis resubscribes by itself after a reconnect; `onReconnect` listeners run then, so
 * callers can catch up on what was published while the connection was down.
 */
export class Subscriber {
  private client: RedisClient | undefined;
  private readonly channels = new Map<string, Set<MessageHandler>>();
  private readonly patterns = new Map<string, Set<MessageHandler>>();
  private readonly pending = new Set<Promise<unknown>>();
  private readonly reconnectListeners = new Set<() => void>();
  private everReady = false;
  private closed = false;

  constructor(
    private readonly config: RedisConnectionConfig,
    private readonly name: string,
  ) {}

  onReconnect(listener: () => void): () => void {
    this.reconnectListeners.add(listener);
    return () => this.reconnectListeners.delete(listener);
  }

  /** Resolves once every subscription asked for so far is active on the server. */
  async settled(): Promise<void> {
    while (this.pending.size > 0) await Promise.allSettled([...this.pending]);
  }

  subscribe(channel: string, handler: MessageHandler): Promise<() => Promise<void>> {
    return this.add(this.channels, channel, handler, false);
  }

  psubscribe(pattern: string, handler: MessageHandler): Promise<() => Promise<void>> {
    return this.add(this.patterns, pattern, handler, true);
  }

  async close(force = false): Promise<void> {
    this.closed = true;
    this.channels.clear();
    this.patterns.clear();
    if (this.client) await closeConnection(this.client, force);
  }

  private connection(): RedisClient {
    if (!this.client) {
      const client = createConnection(this.config, 'subscriber', { connectionName: `tq:${this.name}` });
      client.on('messageBuffer', (channel: Buffer, payload: Buffer) => this.dispatch(this.channels, channel.toString(), channel.toString(), payload));
      client.on('pmessageBuffer', (pattern: Buffer, channel: Buffer, payload: Buffer) =>
        this.dispatch(this.patterns, pattern.toString(), channel.toString(), payload),
      );
      client.on('ready', () => {
        if (this.everReady) for (const listener of this.reconnectListeners) listener();
        this.everReady = true;
      });
      client.connect().catch(() => {});
      this.client = client;
    }
    return this.client;
  }

  private dispatch(table: Map<string, Set<MessageHandler>>, key: string, channel: string, payload: Buffer): void {
    const handlers = table.get(key);
    if (!handlers) return;
    for (const handler of handlers) {
      try {
        handler(channel, payload);
      } catch {
        // a listener's bug must not stop delivery to the others
      }
    }
  }

  private async add(
    table: Map<string, Set<MessageHandler>>,
    name: string,
    handler: MessageHandler,
    pattern: boolean,
  ): Promise<() => Promise<void>> {
    let handlers = table.get(name);
    const first = !handlers;
    if (!handlers) {
      handlers = new Set();
      table.set(name, handlers);
    }
    handlers.add(handler);
    if (first) {
      const client = this.connection();
      const operation = pattern ? client.psubscribe(name) : client.subscribe(name);
      this.pending.add(operation);
      try {
        await operation;
      } catch (error) {
        handlers.delete(handler);
        if (handlers.size === 0) table.delete(name);
        throw error;
      } finally {
        this.pending.delete(operation);
      }
    } else {
      await this.settled();
    }
    let removed = false;
    return async () => {
      if (removed) return;
      removed = true;
      const current = table.get(name);
      if (!current) return;
      current.delete(handler);
      if (current.size > 0 || this.closed) return;
      table.delete(name);
      const client = this.client;
      if (!client || client.status === 'end') return;
      try {
        await (pattern ? client.punsubscribe(name) : client.unsubscribe(name));
      } catch {
        // the connection went away; nothing is subscribed any more
      }
    };
  }
}
