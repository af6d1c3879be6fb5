import { ErrorCodes, TqError, throwIfAborted } from '@tq/core';
import type { Channel } from 'amqplib';
import type { ConnectionManager } from './connection.js';
import { isConnectionError, toTqError } from './errors.js';

/**
 * A plain channel for declarations, purge, size and delete. Operations run one at a time: a refused declaration
 * makes RabbitMQ close the channel it came on, and serializing keeps that from failing unrelated operations.
 * An operation that meets a lost connection waits for the reconnect and runs again, within connectionTimeoutMs.
 */
export class AdminChannel {
  private channel: { channel: Channel; generation: number } | undefined;
  private tail: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly connection: ConnectionManager,
    private readonly timeoutMs: number,
  ) {}

  run<T>(what: string, operation: (channel: Channel) => Promise<T>, signal?: AbortSignal): Promise<T> {
    const result = this.tail.then(() => this.attempt(what, operation, signal));
    this.tail = result.catch(() => {});
    return result;
  }

  private async attempt<T>(what: string, operation: (channel: Channel) => Promise<T>, signal?: AbortSignal): Promise<T> {
    const deadline = Date.now() + this.timeoutMs;
    for (;;) {
      throwIfAborted(signal, what);
      const channel = await this.get(what, signal);
      try {
        return await operation(channel);
      } catch (error) {
        this.drop(channel);
        if (!isConnectionError(error) || this.connection.isClosed) throw toTqError(error, what);
        if (Date.now() >= deadline) {
          throw new TqError(ErrorCodes.CONNECTION_LOST, `${what}: connection lost and not back within ${this.timeoutMs} ms`, {
            cause: error,
            retryable: true,
          });
        }
        // The connection is (being) replaced; ready() waits for the new one.
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    }
  }

  private async get(what: string, signal?: AbortSignal): Promise<Channel> {
    const live = this.connection.current;
    if (this.channel && live && this.channel.generation === live.generation) return this.channel.channel;
    const opened = await this.connection.openChannel(what, signal);
    opened.channel.on('close', () => {
      if (this.channel?.channel === opened.channel) this.channel = undefined;
    });
    this.channel = opened;
    return opened.channel;
  }

  private drop(channel: Channel): void {
    if (this.channel?.channel !== channel) return;
    this.channel = undefined;
    channel.close().catch(() => {});
  }

  async close(): Promise<void> {
    const current = this.channel;
    this.channel = undefined;
    if (current) await current.channel.close().catch(() => {});
  }
}
