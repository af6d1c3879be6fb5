import type { Delivery, TransportMessage } from '@tq/core';
import { ErrorCodes, TqError } from '@tq/core';
import type { Channel, ConsumeMessage } from 'amqplib';
import { AckCoalescer } from './ack-coalescer.js';
import type { ConnectionManager, Live } from './connection.js';
import { AmqpDelivery } from './delivery.js';
import { isConnectionError, toTqError } from './errors.js';
import { fromAmqpMessage } from './message-codec.js';
import { backoffDelay, sleep } from './wait.js';

export interface ConsumerDeps {
  connection: ConnectionManager;
  /** Rewrites the route of messages that came through the delay levels. */
  route(exchange: string, routingKey: string): { exchange: string; routingKey: string; delayed: boolean };
  isQuorum(queue: string): boolean;
  /** Client-mode dead-lettering, or undefined when the broker (or nobody) dead-letters. */
  deadLetter: ((queue: string, message: TransportMessage) => Promise<void>) | undefined;
  globalQos: boolean;
  /** Declares a queue again if this transport declared it before (after the broker cancelled our consumer). */
  redeclare(queue: string): Promise<void>;
  /** Called when the session ends, so the transport stops tracking it. */
  ended(session: ConsumerSession): void;
}

interface Subscription {
  channel: Channel;
  /** Acks of this channel, sent once per event-loop turn. */
  acks: AckCoalescer;
  generation: number;
  /** Consumer tag -> queue. */
  tags: Map<string, string>;
}

interface Buffered {
  raw: ConsumeMessage;
  queue: string;
  subscription: Subscription;
}

/**
 * One `consume()` call: a channel with basic.qos = prefetch and a consumer per queue. The broker never has more
 * than `prefetch` unacked messages out per queue, and the iterator never has more than `prefetch` yielded and
 * unsettled at once. The session outlives connections: when the channel or connection dies it subscribes again
 * on the next one (messages it held but had not acked are redelivered by the broker). It ends when its signal
 * aborts or the transport closes; messages fetched but not yet yielded are then handed back (nack + requeue).
 */
export class ConsumerSession implements AsyncIterator<Delivery> {
  private buffer: Buffered[] = [];
  private outstanding = 0;
  private subscription: Subscription | undefined;
  private waiters: (() => void)[] = [];
  private ended = false;
  private failure: unknown;
  private started = false;
  private resubscribing = false;
  private subscribing: Promise<void> | undefined;
  private readonly onReady = (live: Live) => void this.subscribe(live.generation);
  private readonly onLost = (error: unknown) => this.connectionLost(error);

  constructor(
    private readonly queues: readonly string[],
    private readonly prefetch: number,
    private readonly signal: AbortSignal | undefined,
    private readonly deps: ConsumerDeps,
  ) {
    if (signal?.aborted) this.ended = true;
    else signal?.addEventListener('abort', () => void this.stop(), { once: true });
  }

  async next(): Promise<IteratorResult<Delivery>> {
    if (this.ended && !this.failure) return { done: true, value: undefined };
    if (!this.started) await this.start();
    for (;;) {
      if (this.failure) {
        const failure = this.failure;
        this.failure = undefined;
        await this.stop();
        throw failure;
      }
      if (this.ended) return { done: true, value: undefined };
      if (this.buffer.length > 0 && this.outstanding < this.prefetch) {
        const item = this.buffer.shift()!;
        if (item.subscription !== this.subscription) continue; // from a dead channel: the broker redelivers it
        this.outstanding += 1;
        return { done: false, value: this.toDelivery(item) };
      }
      await new Promise<void>((resolve) => {
        this.waiters.push(resolve);
      });
    }
  }

  async return(): Promise<IteratorResult<Delivery>> {
    await this.stop();
    return { done: true, value: undefined };
  }

  /** Stops consuming, hands back what was fetched but not yielded; the channel closes once yielded ones settle. */
  async stop(): Promise<void> {
    if (this.ended) return;
    this.ended = true;
    this.subscription?.acks.flushFromNowOn();
    this.deps.connection.off('ready', this.onReady);
    this.deps.connection.off('lost', this.onLost);
    this.deps.ended(this);
    const subscription = this.subscription;
    const held = this.buffer;
    this.buffer = [];
    this.notify();
    if (!subscription) return;
    try {
      for (const tag of subscription.tags.keys()) await subscription.channel.cancel(tag);
      for (const item of held) {
        if (item.subscription !== subscription) continue;
        subscription.acks.settledElsewhere(item.raw);
        subscription.channel.nack(item.raw, false, true);
      }
    } catch {
      // The channel is gone: the broker requeues everything unacked by itself.
    }
    if (this.outstanding === 0) this.closeSubscription();
  }

  private async start(): Promise<void> {
    this.started = true;
    if (this.ended) return;
    this.deps.connection.on('ready', this.onReady);
    this.deps.connection.on('lost', this.onLost);
    try {
      const live = await this.deps.connection.ready('consume', this.signal);
      await this.subscribe(live.generation, true);
    } catch (error) {
      if (this.ended || this.signal?.aborted) return;
      await this.stop();
      throw toTqError(error, `consume from ${this.queues.join(', ')}`);
    }
  }

  /** Opens a channel on the current connection and starts a consumer per queue (one attempt at a time). */
  private async subscribe(generation: number, initial = false): Promise<void> {
    while (this.subscribing) await this.subscribing.catch(() => {});
    const attempt = this.subscribeOnce(generation, initial);
    this.subscribing = attempt;
    try {
      await attempt;
    } finally {
      if (this.subscribing === attempt) this.subscribing = undefined;
    }
  }

  private async subscribeOnce(generation: number, initial: boolean): Promise<void> {
    if (this.ended || this.subscription?.generation === generation) return;
    const live = this.deps.connection.current;
    if (!live || live.generation !== generation) return;
    let channel: Channel | undefined;
    try {
      channel = await live.model.createChannel();
      channel.on('error', () => {});
      const subscription: Subscription = { channel, acks: new AckCoalescer(channel), generation, tags: new Map() };
      channel.on('close', () => this.channelClosed(subscription));
      await channel.prefetch(this.prefetch, this.deps.globalQos);
      this.subscription = subscription;
      for (const queue of this.queues) {
        const { consumerTag } = await channel.consume(queue, (raw) => this.onMessage(subscription, queue, raw), { noAck: false });
        subscription.tags.set(consumerTag, queue);
      }
      if (this.ended) await this.stop();
    } catch (error) {
      if (this.subscription?.channel === channel) this.subscription = undefined;
      channel?.close().catch(() => {});
      if (initial || !isConnectionError(error)) {
        if (initial) throw error;
        this.fail(toTqError(error, `consume from ${this.queues.join(', ')}`));
      }
    }
  }

  private onMessage(subscription: Subscription, queue: string, raw: ConsumeMessage | null): void {
    if (raw === null) {
      // basic.cancel from the broker: the queue was deleted (or failed over). Subscribe again after a pause.
      void this.resubscribeSoon(subscription);
      return;
    }
    subscription.acks.track(raw);
    if (this.ended || subscription !== this.subscription) {
      subscription.acks.settledElsewhere(raw);
      try {
        subscription.channel.nack(raw, false, true);
      } catch {
        // channel already gone: the broker requeues it
      }
      return;
    }
    this.buffer.push({ raw, queue, subscription });
    this.notify();
  }

  private toDelivery(item: Buffered): Delivery {
    const { raw, queue, subscription } = item;
    const route = this.deps.route(raw.fields.exchange, raw.fields.routingKey);
    const message = fromAmqpMessage(raw, route);
    const countHeader = raw.properties.headers?.['x-delivery-count'];
    const deliveryCount = typeof countHeader === 'number' ? countHeader + 1 : this.deps.isQuorum(queue) ? 1 : undefined;
    return new AmqpDelivery(message, queue, raw.fields.redelivered, deliveryCount, raw, subscription.channel, {
      acks: subscription.acks,
      isLive: (channel) => this.subscription?.channel === channel && !this.closedChannels.has(channel),
      settled: () => {
        this.outstanding -= 1;
        this.notify();
        if (this.ended && this.outstanding === 0) setImmediate(() => this.closeSubscription());
      },
      deadLetter: this.deps.deadLetter,
    });
  }

  private readonly closedChannels = new WeakSet<Channel>();

  private channelClosed(subscription: Subscription): void {
    this.closedChannels.add(subscription.channel);
    if (this.subscription !== subscription) return;
    this.subscription = undefined;
    // Deliveries already yielded from this channel can no longer be acked; the broker redelivers them.
    if (!this.ended) void this.resubscribeSoon(subscription);
  }

  private async resubscribeSoon(previous: Subscription): Promise<void> {
    if (this.resubscribing || this.ended) return;
    this.resubscribing = true;
    try {
      for (let attempt = 1; !this.ended; attempt += 1) {
        await sleep(backoffDelay(attempt, 100, 5_000));
        const live = this.deps.connection.current;
        if (!live) return; // the connection is down: 'ready' will subscribe again
        if (this.subscription && this.subscription !== previous) return;
        if (this.subscription === previous) {
          this.subscription = undefined;
          previous.acks.flush();
          previous.channel.close().catch(() => {});
        }
        // A cancelled consumer usually means the queue was deleted: declare it again if we know how.
        for (const queue of this.queues) await this.deps.redeclare(queue).catch(() => {});
        await this.subscribe(live.generation);
        if (this.subscription || this.failure) return;
      }
    } finally {
      this.resubscribing = false;
    }
  }

  private connectionLost(error: unknown): void {
    this.subscription = undefined;
    if (TqError.is(error, ErrorCodes.CONNECTION_LOST) && /gave up/.test(error.message)) this.fail(error);
  }

  private fail(error: unknown): void {
    this.failure ??= error;
    this.notify();
  }

  private closeSubscription(): void {
    const subscription = this.subscription;
    this.subscription = undefined;
    // Acks still waiting for the end of the turn go out first: a closed channel would requeue their messages.
    subscription?.acks.flush();
    subscription?.channel.close().catch(() => {});
  }

  /** Wakes every pending next(); each re-checks the buffer (concurrent next() calls are allowed). */
  private notify(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const wake of waiters) wake();
  }
}
