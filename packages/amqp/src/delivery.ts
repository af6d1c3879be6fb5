import type { Delivery, TransportMessage } from '@tq/core';
import { ErrorCodes, TqError } from '@tq/core';
import type { Channel, ConsumeMessage } from 'amqplib';
import type { AckCoalescer } from './ack-coalescer.js';
import { toTqError } from './errors.js';

/** What a delivery needs from the consumer that produced it. */
export interface DeliveryHost {
  /** Sends this channel's acks together, once per event-loop turn; told of every other settlement. */
  acks: AckCoalescer;
  /** True while `channel` is the live channel the message came on (acks on any other channel are invalid). */
  isLive(channel: Channel): boolean;
  /** Called once when the delivery is acked or rejected. */
  settled(): void;
  /** Client-mode dead-lettering: copy the message to the queue's dead-letter queue, confirmed. */
  deadLetter?(queue: string, message: TransportMessage): Promise<void>;
}

/**
 * One consumed message. Acks go to the channel it came on; if that channel has died (connection loss), the broker
 * has already put the message back and will deliver it again, so ack/reject fail with TQ_CONNECTION_LOST rather
 * than pretend (the task will run again: at-least-once).
 */
export class AmqpDelivery implements Delivery {
  private done = false;

  constructor(
    readonly message: TransportMessage,
    readonly queue: string,
    readonly redelivered: boolean,
    readonly deliveryCount: number | undefined,
    private readonly raw: ConsumeMessage,
    private readonly channel: Channel,
    private readonly host: DeliveryHost,
  ) {}

  async ack(): Promise<void> {
    this.claim('ack');
    try {
      this.frame('ack', () => this.host.acks.ack(this.raw));
    } finally {
      this.host.settled();
    }
  }

  async reject(options: { requeue?: boolean } = {}): Promise<void> {
    this.claim('reject');
    try {
      if (options.requeue || !this.host.deadLetter) {
        this.host.acks.settledElsewhere(this.raw);
        this.frame('reject', () => this.channel.nack(this.raw, false, options.requeue ?? false));
        return;
      }
      try {
        await this.host.deadLetter(this.queue, this.message);
      } catch (error) {
        // Not copied: give it back rather than lose it.
        if (this.host.isLive(this.channel)) {
          this.host.acks.settledElsewhere(this.raw);
          this.channel.nack(this.raw, false, true);
        }
        throw toTqError(error, `dead-letter message from '${this.queue}'`);
      }
      if (!this.host.isLive(this.channel)) throw this.lost('reject');
      this.host.acks.settledElsewhere(this.raw);
      this.frame('reject', () => this.channel.ack(this.raw));
    } finally {
      // Only now: a stopped consumer closes its channel once every delivery has settled.
      this.host.settled();
    }
  }

  /** Sends an ack/nack frame; a channel that died in between means the broker requeued the message. */
  private frame(what: string, send: () => void): void {
    try {
      send();
    } catch (error) {
      throw Object.assign(this.lost(what), { cause: error });
    }
  }

  /** Marks the delivery settled, or throws if it already was or its channel is gone. */
  private claim(what: string): void {
    if (this.done) throw new TqError(ErrorCodes.CLOSED, `${what}: this delivery was already acked or rejected`);
    this.done = true;
    if (!this.host.isLive(this.channel)) {
      this.host.settled();
      throw this.lost(what);
    }
  }

  private lost(what: string): TqError {
    return new TqError(
      ErrorCodes.CONNECTION_LOST,
      `${what}: the channel this message came on is gone; RabbitMQ has requeued the message and will deliver it again`,
      { retryable: false, details: { queue: this.queue } },
    );
  }
}
