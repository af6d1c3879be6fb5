import type { Delivery, TransportMessage } from '@tq/core';
import { ErrorCodes, TqError } from '@tq/core';
import type { SettleKind } from './settle.js';

/** What a delivery needs from the consumer that handed it out. */
export interface DeliveryOwner {
  settle(delivery: SqliteDelivery, kind: SettleKind): Promise<void>;
  extend(delivery: SqliteDelivery, ms: number): Promise<void>;
}

/**
 * One leased message. The lease is (id, deliveryCount); ack deletes the row, reject requeues it or moves it to the
 * dead-letter queue, extend pushes the lease end out. Settling twice returns the first settle's promise.
 */
export class SqliteDelivery implements Delivery {
  #settled: Promise<void> | undefined;

  constructor(
    readonly message: TransportMessage,
    readonly queue: string,
    readonly redelivered: boolean,
    readonly deliveryCount: number,
    readonly id: number,
    private readonly owner: DeliveryOwner,
    /** The lease length this message was claimed with; the worker renews by this much while it holds it. */
    readonly leaseMs: number,
  ) {}

  get settled(): boolean {
    return this.#settled !== undefined;
  }

  ack(): Promise<void> {
    this.#settled ??= this.owner.settle(this, 'ack');
    return this.#settled;
  }

  reject(options: { requeue?: boolean } = {}): Promise<void> {
    this.#settled ??= this.owner.settle(this, options.requeue ? 'requeue' : 'dead');
    return this.#settled;
  }

  async extend(ms: number): Promise<void> {
    if (typeof ms !== 'number' || !Number.isFinite(ms) || ms < 0) {
      throw new TqError(ErrorCodes.INVALID_CONFIG, 'sqlite: extend(ms) needs a non-negative number of milliseconds', {
        details: { ms },
      });
    }
    if (this.#settled) {
      throw new TqError(ErrorCodes.BROKER_REFUSED, 'sqlite: cannot extend the lease of a settled delivery', {
        details: { queue: this.queue },
      });
    }
    return this.owner.extend(this, ms);
  }
}
