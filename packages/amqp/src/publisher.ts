import { abortError, ErrorCodes, TqError } from '@tq/core';
import type { ConfirmChannel, Message, Options } from 'amqplib';
import type { ConnectionManager } from './connection.js';
import { brokerText, missingEntity, toTqError } from './errors.js';
import { closedError, deferred } from './wait.js';

/** One message on its way: kept until the broker confirms it, re-sent if its channel dies first. */
interface Pending {
  exchange: string;
  routingKey: string;
  content: Buffer;
  options: Options.Publish;
  deadline: number;
  signal: AbortSignal | undefined;
  settle: { resolve: () => void; reject: (error: unknown) => void };
  settled: boolean;
  channel?: ConfirmChannel;
  returned?: TqError;
  timer?: NodeJS.Timeout;
  attempts: number;
}

interface OpenChannel {
  channel: ConfirmChannel;
  generation: number;
  /** What the broker said when it closed the channel, if it did. */
  closeError?: unknown;
  drained?: Promise<void>;
}

/**
 * Publishes on one confirm channel. Every publish resolves when the broker acks it and rejects with a TqError
 * when it nacks, returns it as unroutable (all publishes are mandatory except broadcasts), or refuses it by
 * closing the channel. Publishes are pipelined: many are in flight and RabbitMQ confirms them in batches
 * (`multiple` acks), so a batch costs about one round trip. When the channel or connection dies, unconfirmed
 * publishes are sent again on the next one (so a publish may arrive twice, never zero times) until
 * connectionTimeoutMs has passed; then they fail with TQ_CONNECTION_LOST.
 */
export class Publisher {
  private open: OpenChannel | undefined;
  private opening: Promise<OpenChannel> | undefined;
  private readonly inFlight = new Set<Pending>();
  private closed = false;
  private idleWaiters: (() => void)[] = [];

  constructor(
    private readonly connection: ConnectionManager,
    private readonly timeouts: { connectionTimeoutMs: number; confirmTimeoutMs: number },
  ) {}

  get pendingCount(): number {
    return this.inFlight.size;
  }

  publish(exchange: string, routingKey: string, content: Buffer, options: Options.Publish, signal?: AbortSignal): Promise<void> {
    if (this.closed) return Promise.reject(closedError('publish'));
    if (signal?.aborted) return Promise.reject(abortError(signal, 'publish'));
    const done = deferred<void>();
    const pending: Pending = {
      exchange,
      routingKey,
      content,
      options,
      deadline: Date.now() + this.timeouts.connectionTimeoutMs,
      signal,
      settle: { resolve: done.resolve, reject: done.reject },
      settled: false,
      attempts: 0,
    };
    if (signal) {
      const onAbort = () => this.fail(pending, abortError(signal, 'publish'));
      signal.addEventListener('abort', onAbort, { once: true });
      done.promise.then(
        () => signal.removeEventListener('abort', onAbort),
        () => signal.removeEventListener('abort', onAbort),
      );
    }
    this.inFlight.add(pending);
    void this.send(pending);
    return done.promise;
  }

  /** Waits until every publish made so far has settled (warm close). */
  async flush(): Promise<void> {
    if (this.inFlight.size === 0) return;
    const idle = deferred<void>();
    this.idleWaiters.push(idle.resolve);
    await idle.promise;
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const pending of this.inFlight) this.fail(pending, closedError('publish'));
    const open = this.open;
    this.open = undefined;
    if (open) await open.channel.close().catch(() => {});
  }

  private async send(pending: Pending): Promise<void> {
    if (pending.settled) return;
    let open: OpenChannel;
    try {
      open = await this.channel(pending);
    } catch (error) {
      this.fail(pending, toTqError(error, 'publish'));
      return;
    }
    if (pending.settled) return;
    pending.channel = open.channel;
    pending.returned = undefined;
    pending.attempts += 1;
    let writable: boolean;
    try {
      writable = open.channel.publish(pending.exchange, pending.routingKey, pending.content, pending.options, (error) =>
        this.onConfirm(pending, open, error),
      );
    } catch (error) {
      // amqplib throws synchronously for a closed channel (retry) or an unencodable message (fail).
      if (error instanceof RangeError || error instanceof TypeError) this.fail(pending, toTqError(error, 'publish'));
      else setImmediate(() => void this.send(pending));
      return;
    }
    if (!pending.timer && Number.isFinite(this.timeouts.confirmTimeoutMs)) {
      pending.timer = setTimeout(() => {
        this.fail(
          pending,
          new TqError(ErrorCodes.TIMEOUT, `publish: RabbitMQ did not confirm within ${this.timeouts.confirmTimeoutMs} ms (the message may or may not be stored)`, {
            retryable: true,
          }),
        );
      }, this.timeouts.confirmTimeoutMs);
    }
    if (!writable && !open.drained) {
      open.drained = new Promise((resolve) => {
        const release = () => {
          open.drained = undefined;
          open.channel.off('drain', release);
          open.channel.off('close', release);
          resolve();
        };
        open.channel.once('drain', release);
        open.channel.once('close', release);
      });
    }
  }

  private onConfirm(pending: Pending, open: OpenChannel, error: unknown): void {
    if (pending.settled || pending.channel !== open.channel) return;
    if (!error) {
      if (pending.returned) this.fail(pending, pending.returned);
      else this.succeed(pending);
      return;
    }
    if (error instanceof Error && error.message === 'message nacked') {
      this.fail(pending, new TqError(ErrorCodes.BROKER_REFUSED, 'publish: RabbitMQ nacked the message (it could not take responsibility for it)', { retryable: true }));
      return;
    }
    // The channel closed before the confirm. Fail the publish the broker's reason names; re-send the others.
    const reason = open.closeError;
    const missing = missingEntity(reason);
    const refused = (missing?.kind === 'exchange' && missing.name === pending.exchange) || isTooLarge(reason, pending.content.length);
    if (refused) {
      this.fail(pending, toTqError(reason, 'publish'));
      return;
    }
    if (this.closed) {
      this.fail(pending, closedError('publish'));
      return;
    }
    // Back to waiting for a channel: that wait is bounded by connectionTimeoutMs, the confirm timer restarts on resend.
    if (pending.timer) clearTimeout(pending.timer);
    pending.timer = undefined;
    setImmediate(() => void this.send(pending));
  }

  /** Called for each basic.return: the first unconfirmed publish with the same route and body is the returned one. */
  private onReturn(open: OpenChannel, message: Message): void {
    for (const pending of this.inFlight) {
      if (pending.channel !== open.channel || pending.returned || pending.settled) continue;
      if (pending.exchange !== message.fields.exchange || pending.routingKey !== message.fields.routingKey) continue;
      if (pending.content.length !== message.content.length) continue;
      if ((pending.options.correlationId ?? undefined) !== (message.properties.correlationId ?? undefined)) continue;
      const fields = message.fields as unknown as { replyCode?: number; replyText?: string };
      const where = pending.exchange === '' ? `queue '${pending.routingKey}' (default exchange)` : `exchange '${pending.exchange}' with routing key '${pending.routingKey}'`;
      pending.returned = new TqError(
        ErrorCodes.BROKER_REFUSED,
        `publish: unroutable, RabbitMQ returned the message: nothing is bound for ${where}` + (fields.replyText ? ` (${fields.replyText})` : ''),
        { details: { exchange: pending.exchange, routingKey: pending.routingKey, replyCode: fields.replyCode } },
      );
      return;
    }
  }

  private async channel(pending: Pending): Promise<OpenChannel> {
    for (;;) {
      const live = this.connection.current;
      const open = this.open;
      if (open && live && open.generation === live.generation && open.closeError === undefined) {
        if (open.drained) await open.drained;
        if (this.open === open) return open;
        continue;
      }
      if (!this.opening) {
        this.opening = this.openChannel(pending).finally(() => {
          this.opening = undefined;
        });
      }
      const opened = await this.opening;
      if (opened.closeError === undefined) return opened;
    }
  }

  private async openChannel(pending: Pending): Promise<OpenChannel> {
    const remaining = Math.max(0, pending.deadline - Date.now());
    if (remaining === 0 && pending.attempts > 0) {
      throw new TqError(ErrorCodes.CONNECTION_LOST, `publish: connection lost and not back within ${this.timeouts.connectionTimeoutMs} ms`, { retryable: true });
    }
    const { channel, generation } = await this.connection.openConfirmChannel('publish', pending.signal, Math.max(1, remaining));
    const open: OpenChannel = { channel, generation };
    channel.on('error', (error: unknown) => {
      open.closeError = error;
    });
    channel.on('close', () => {
      open.closeError ??= new Error('channel closed');
      if (this.open === open) this.open = undefined;
    });
    channel.on('return', (message: Message) => this.onReturn(open, message));
    this.open = open;
    return open;
  }

  private succeed(pending: Pending): void {
    if (pending.settled) return;
    pending.settled = true;
    if (pending.timer) clearTimeout(pending.timer);
    this.removeInFlight(pending);
    pending.settle.resolve();
  }

  private fail(pending: Pending, error: unknown): void {
    if (pending.settled) return;
    pending.settled = true;
    if (pending.timer) clearTimeout(pending.timer);
    this.removeInFlight(pending);
    pending.settle.reject(error);
  }

  private removeInFlight(pending: Pending): void {
    this.inFlight.delete(pending);
    if (this.inFlight.size > 0 || this.idleWaiters.length === 0) return;
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const wake of waiters) wake();
  }
}

function isTooLarge(reason: unknown, size: number): boolean {
  if (reason === undefined) return false;
  const match = /message size (\d+) is larger/.exec(brokerText(reason));
  return match !== null && Number(match[1]) === size;
}
