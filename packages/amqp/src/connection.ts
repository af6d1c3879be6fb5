import { EventEmitter } from 'node:events';
import { ErrorCodes, TqError } from '@tq/core';
import type { Channel, ChannelModel, ConfirmChannel } from 'amqplib';
import { amqplib } from './amqplib-loader.js';
import { brokerText, isConnectionError, toTqError } from './errors.js';
import type { ResolvedTransportOptions } from './options.js';
import type { ParsedAmqpUrl } from './url.js';
import { backoffDelay, bounded, closedError, deferred, sleep } from './wait.js';

/** A live connection and its number: every reconnect gets a new generation. */
export interface Live {
  model: ChannelModel;
  generation: number;
}

/** Runs on every new connection before anyone else may use it (topology replay). */
export type SetupHook = (live: Live) => Promise<void>;

/**
 * Owns the one AMQP connection of a transport and keeps it alive: connects lazily, reconnects with backoff when
 * the connection drops, runs setup hooks (redeclaring topology) before handing the new connection out, and makes
 * callers wait (bounded by connectionTimeoutMs) while it is down. Emits `ready` (Live) and `lost` (Error).
 */
export class ConnectionManager extends EventEmitter {
  private live: Live | undefined;
  private generation = 0;
  private running = false;
  private closed = false;
  private gaveUp: TqError | undefined;
  private lastError: unknown;
  private readonly hooks: SetupHook[] = [];
  private waiters = new Set<{ resolve: (live: Live) => void; reject: (error: unknown) => void }>();
  private readonly stopSignal = new AbortController();

  constructor(
    private readonly url: ParsedAmqpUrl,
    private readonly options: ResolvedTransportOptions,
  ) {
    super();
    // A listener-less 'error' would crash the process; errors are reported through waiters and 'lost'.
    this.on('error', () => {});
  }

  get current(): Live | undefined {
    return this.live;
  }

  get isClosed(): boolean {
    return this.closed;
  }

  addSetupHook(hook: SetupHook): void {
    this.hooks.push(hook);
  }

  /** The live connection, waiting for (re)connection up to connectionTimeoutMs. */
  async ready(what: string, signal?: AbortSignal, timeoutMs = this.options.connectionTimeoutMs): Promise<Live> {
    if (this.closed) throw closedError(what);
    if (this.gaveUp) throw this.gaveUp;
    if (this.live) return this.live;
    this.start();
    const waiter = deferred<Live>();
    const entry = { resolve: waiter.resolve, reject: waiter.reject };
    this.waiters.add(entry);
    try {
      return await bounded(
        waiter.promise,
        timeoutMs,
        () =>
          new TqError(
            ErrorCodes.CONNECTION_LOST,
            `${what}: no connection to RabbitMQ at ${this.url.redacted} within ${timeoutMs} ms` +
              (this.lastError ? ` (last error: ${brokerText(this.lastError)})` : ''),
            { cause: this.lastError, retryable: true, details: { url: this.url.redacted } },
          ),
        signal,
        what,
      );
    } finally {
      this.waiters.delete(entry);
    }
  }

  async openChannel(what: string, signal?: AbortSignal): Promise<{ channel: Channel; generation: number }> {
    const live = await this.ready(what, signal);
    try {
      const channel = await live.model.createChannel();
      channel.on('error', () => {});
      return { channel, generation: live.generation };
    } catch (error) {
      throw toTqError(error, what);
    }
  }

  async openConfirmChannel(what: string, signal?: AbortSignal, timeoutMs?: number): Promise<{ channel: ConfirmChannel; generation: number }> {
    const live = await this.ready(what, signal, timeoutMs);
    try {
      const channel = await live.model.createConfirmChannel();
      channel.on('error', () => {});
      return { channel, generation: live.generation };
    } catch (error) {
      throw toTqError(error, what);
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.stopSignal.abort();
    const live = this.live;
    this.live = undefined;
    for (const waiter of this.waiters) waiter.reject(closedError('connect'));
    this.waiters.clear();
    if (live) await live.model.close().catch(() => {});
  }

  private start(): void {
    if (this.running || this.closed) return;
    this.running = true;
    void this.loop();
  }

  private async loop(): Promise<void> {
    let failures = 0;
    while (!this.closed) {
      let model: ChannelModel;
      try {
        model = await amqplib.connect(this.url.connect, {
          ...this.url.socket,
          ...this.options.socketOptions,
          clientProperties: { connection_name: this.options.connectionName },
        });
      } catch (error) {
        failures += 1;
        this.lastError = error;
        if (!isConnectionError(error)) this.rejectWaiters(toTqError(error, `connect to ${this.url.redacted}`));
        if (failures >= this.options.reconnect.maxAttempts) {
          this.gaveUp = new TqError(ErrorCodes.CONNECTION_LOST, `gave up reconnecting to ${this.url.redacted} after ${failures} attempts: ${brokerText(error)}`, {
            cause: error,
          });
          this.rejectWaiters(this.gaveUp);
          this.emit('lost', this.gaveUp);
          this.running = false;
          return;
        }
        await sleep(backoffDelay(failures, this.options.reconnect.initialDelayMs, this.options.reconnect.maxDelayMs), this.stopSignal.signal).catch(() => {});
        continue;
      }
      if (this.closed) {
        await model.close().catch(() => {});
        return;
      }
      const dropped = deferred<unknown>();
      model.on('error', (error: unknown) => {
        this.lastError = error;
      });
      model.on('close', (error?: unknown) => dropped.resolve(error ?? this.lastError));
      const live: Live = { model, generation: ++this.generation };
      try {
        for (const hook of this.hooks) await hook(live);
      } catch (error) {
        this.lastError = error;
        this.emit('error', error);
        if (isConnectionError(error)) {
          await model.close().catch(() => {});
          failures += 1;
          await sleep(backoffDelay(failures, this.options.reconnect.initialDelayMs, this.options.reconnect.maxDelayMs), this.stopSignal.signal).catch(() => {});
          continue;
        }
      }
      failures = 0;
      this.live = live;
      for (const waiter of this.waiters) waiter.resolve(live);
      this.waiters.clear();
      this.emit('ready', live);
      const reason = await dropped.promise;
      if (this.live === live) this.live = undefined;
      if (this.closed) return;
      this.lastError = reason;
      this.emit('lost', toTqError(reason ?? new Error('Connection closed'), 'connection'));
      await sleep(backoffDelay(1, this.options.reconnect.initialDelayMs, this.options.reconnect.maxDelayMs), this.stopSignal.signal).catch(() => {});
    }
  }

  private rejectWaiters(error: unknown): void {
    for (const waiter of this.waiters) waiter.reject(error);
    this.waiters.clear();
  }
}
