import { randomUUID } from 'node:crypto';
import type { BroadcastMessage } from '@tq/core';
import type { Channel, ConsumeMessage } from 'amqplib';
import type { ConnectionManager, Live } from './connection.js';
import { toTqError } from './errors.js';
import { fromAmqpMessage } from './message-codec.js';

const BROADCAST_PREFETCH = 100;

/**
 * `subscribe(exchange)`: an exclusive, auto-delete queue of our own bound to the exchange (with `#`, which a
 * fanout exchange ignores and a topic exchange such as Celery's `celeryev` reads as "everything"). The queue
 * dies with the connection; after a reconnect a new one is made, so broadcasts sent during the outage are missed
 * (as with Celery's Broadcast queues). Messages are acked as they are yielded.
 */
export class BroadcastSubscription implements AsyncIterator<BroadcastMessage> {
  private buffer: { raw: ConsumeMessage; channel: Channel }[] = [];
  private channel: Channel | undefined;
  private waiters: (() => void)[] = [];
  private ended = false;
  private started = false;
  private readonly onReady = (live: Live) => void this.attach(live).catch(() => {});

  constructor(
    private readonly exchange: string,
    private readonly connection: ConnectionManager,
    private readonly ensureExchange: (signal?: AbortSignal) => Promise<void>,
    private readonly signal: AbortSignal | undefined,
    private readonly ended_: (subscription: BroadcastSubscription) => void,
  ) {
    if (signal?.aborted) this.ended = true;
    else signal?.addEventListener('abort', () => void this.stop(), { once: true });
  }

  async next(): Promise<IteratorResult<BroadcastMessage>> {
    if (!this.started) await this.start();
    for (;;) {
      if (this.ended) return { done: true, value: undefined };
      const item = this.buffer.shift();
      if (item) {
        try {
          item.channel.ack(item.raw);
        } catch {
          // channel gone: nothing to ack, the exclusive queue went with it
        }
        const message = fromAmqpMessage(item.raw, { exchange: item.raw.fields.exchange, routingKey: item.raw.fields.routingKey, delayed: false });
        return { done: false, value: { exchange: item.raw.fields.exchange, routingKey: item.raw.fields.routingKey, message } };
      }
      await new Promise<void>((resolve) => {
        this.waiters.push(resolve);
      });
    }
  }

  async return(): Promise<IteratorResult<BroadcastMessage>> {
    await this.stop();
    return { done: true, value: undefined };
  }

  async stop(): Promise<void> {
    if (this.ended) return;
    this.ended = true;
    this.connection.off('ready', this.onReady);
    this.ended_(this);
    this.buffer = [];
    this.notify();
    const channel = this.channel;
    this.channel = undefined;
    // Closing the channel deletes the exclusive auto-delete queue.
    await channel?.close().catch(() => {});
  }

  private async start(): Promise<void> {
    this.started = true;
    try {
      await this.ensureExchange(this.signal);
      this.connection.on('ready', this.onReady);
      await this.attach(await this.connection.ready('subscribe', this.signal));
    } catch (error) {
      // Aborted while starting: the subscription simply ends.
      if (this.ended || this.signal?.aborted) return;
      await this.stop();
      throw toTqError(error, `subscribe to '${this.exchange}'`);
    }
  }

  private async attach(live: Live): Promise<void> {
    if (this.ended) return;
    const channel = await live.model.createChannel();
    channel.on('error', () => {});
    const old = this.channel;
    this.channel = channel;
    old?.close().catch(() => {});
    const queue = `tq.bcast.${this.exchange}.${randomUUID().slice(0, 8)}`;
    await channel.assertQueue(queue, { exclusive: true, autoDelete: true, durable: false });
    await channel.bindQueue(queue, this.exchange, '#');
    await channel.prefetch(BROADCAST_PREFETCH, false);
    await channel.consume(queue, (raw) => {
      if (!raw || this.ended) return;
      this.buffer.push({ raw, channel });
      this.notify();
    });
    // Stopped while attaching: closing the channel removes the exclusive queue again.
    if (this.ended) await channel.close().catch(() => {});
  }

  private notify(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const wake of waiters) wake();
  }
}
