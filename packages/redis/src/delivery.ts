import { ErrorCodes, TqError, type Delivery, type TransportMessage } from '@tq/core';
import type { HeldMessage } from './held.js';

/** What a delivery needs from its consumer to settle. */
export interface DeliveryOwner {
  settle(held: HeldMessage, outcome: 'ack' | 'requeue' | 'dead'): Promise<void>;
  extend(held: HeldMessage, ms: number): Promise<boolean>;
}

export class RedisDelivery implements Delivery {
  readonly deliveryCount = undefined;
  private settled = false;

  constructor(
    private readonly owner: DeliveryOwner,
    private readonly held: HeldMessage,
    readonly message: TransportMessage,
    readonly queue: string,
    readonly redelivered: boolean,
    /** The visibility timeout: the worker renews the lease with extend() well within it. */
    readonly leaseMs: number,
  ) {}

  /** kombu's delivery tag (a uuid4 per publish). */
  get deliveryTag(): string {
    return this.held.tag;
  }

  ack(): Promise<void> {
    return this.finish('ack');
  }

  reject(options: { requeue?: boolean } = {}): Promise<void> {
    return this.finish(options.requeue ? 'requeue' : 'dead');
  }

  /**
   * Keeps the message from being restored to another worker for `ms` from now (see README, "Leases"). Throws
   * TQ_BROKER_REFUSED when the lease was already lost (the message was restored elsewhere).
   */
  async extend(ms: number): Promise<void> {
    if (this.settled) return;
    if (!(ms > 0)) throw new TqError(ErrorCodes.INVALID_CONFIG, `extend(ms) needs a positive duration, got ${ms}`);
    const kept = await this.owner.extend(this.held, ms);
    if (!kept) {
      throw new TqError(ErrorCodes.BROKER_REFUSED, `the lease on ${this.held.tag} was lost: the message was restored to its queue`, {
        details: { reason: 'lease-lost', deliveryTag: this.held.tag, queue: this.queue },
      });
    }
  }

  /** Settling twice does nothing: the first ack/reject wins. */
  private finish(outcome: 'ack' | 'requeue' | 'dead'): Promise<void> {
    if (this.settled) return Promise.resolve();
    this.settled = true;
    return this.owner.settle(this.held, outcome);
  }
}
