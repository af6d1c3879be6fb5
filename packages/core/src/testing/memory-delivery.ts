import type { Delivery, TransportMessage } from '../contracts/index.js';
import { ErrorCodes, TqError } from '../errors/index.js';
import type { MemoryBroker } from './memory-broker.js';
import type { MemoryQueue, QueuedMessage } from './memory-queue.js';
import { copyForDelivery } from './message-copy.js';

/** What a delivery needs from the transport that consumed it. */
export interface DeliveryOwner {
  readonly broker: MemoryBroker;
  /** Lease length; undefined when deliveries are not leased. */
  readonly leaseMs: number | undefined;
  track(delivery: MemoryDelivery): void;
  untrack(delivery: MemoryDelivery): void;
}

export interface DeliveryHolder {
  /** The delivery no longer counts against the consumer's prefetch. */
  released(delivery: MemoryDelivery): void;
}

type DeliveryState = 'prefetched' | 'delivered' | 'settled' | 'lease-lost' | 'connection-closed';

/**
 * One message handed to a memory consumer. It counts against the consumer's prefetch from the moment it is
 * fetched until it is acked, rejected, given back, or its lease (when leases are on) runs out.
 *
 * Settling twice is refused with TQ_BROKER_REFUSED (AMQP closes the channel on it; a loud error finds the bug in a
 * test). Settling after the lease ran out does nothing: the message was already given back for redelivery, which
 * is what at-least-once means. Settling after the transport closed throws TQ_CLOSED.
 */
export class MemoryDelivery implements Delivery {
  readonly #queue: MemoryQueue;
  readonly #entry: QueuedMessage;
  readonly #holder: DeliveryHolder;
  readonly #owner: DeliveryOwner;
  #state: DeliveryState = 'prefetched';
  #message: TransportMessage | undefined;
  #redelivered = false;
  #deliveryCount = 0;
  #leaseTimer: NodeJS.Timeout | undefined;
  readonly extend?: (ms: number) => Promise<void>;

  constructor(queue: MemoryQueue, entry: QueuedMessage, holder: DeliveryHolder, owner: DeliveryOwner) {
    this.#queue = queue;
    this.#entry = entry;
    this.#holder = holder;
    this.#owner = owner;
    if (owner.leaseMs !== undefined) this.extend = (ms) => this.#extend(ms);
  }

  get message(): TransportMessage {
    if (!this.#message) throw new TqError(ErrorCodes.CLOSED, 'delivery was never handed out');
    return this.#message;
  }

  get queue(): string {
    return this.#queue.name;
  }

  get redelivered(): boolean {
    return this.#redelivered;
  }

  get deliveryCount(): number {
    return this.#deliveryCount;
  }

  /** Hands the message out: counts the delivery and starts the lease. */
  deliver(): this {
    const entry = this.#entry;
    this.#redelivered = entry.deliveryCount > 0;
    entry.deliveryCount++;
    this.#deliveryCount = entry.deliveryCount;
    const message = copyForDelivery(entry.message);
    message.properties.deliveryInfo = {
      exchange: entry.exchange,
      routingKey: entry.routingKey,
      redelivered: this.#redelivered,
      priority: entry.priority,
    };
    this.#message = message;
    this.#state = 'delivered';
    this.#owner.track(this);
    this.#startLease(this.#owner.leaseMs);
    return this;
  }

  async ack(): Promise<void> {
    if (this.#settle('ack')) this.#release();
  }

  /** Requeue goes to the front of the message's priority, before the consumer gets room for another one. */
  async reject(options: { requeue?: boolean } = {}): Promise<void> {
    if (!this.#settle('reject')) return;
    if (options.requeue) this.#queue.returnToFront([this.#entry]);
    else this.#owner.broker.deadLetter(this.#queue, this.#entry);
    this.#release();
  }

  /**
   * Takes back a prefetched message the consumer never handed out: it goes back as it was, not counted as a
   * delivery. Returns the entry for the caller to requeue (all at once, to keep their order), or undefined.
   */
  takeBackUnseen(): { queue: MemoryQueue; entry: QueuedMessage } | undefined {
    if (this.#state !== 'prefetched') return undefined;
    this.#state = 'settled';
    this.#release();
    return { queue: this.#queue, entry: this.#entry };
  }

  /** The transport closed with this delivery unsettled: returns the entry to requeue as a redelivery. */
  takeBackOnClose(): { queue: MemoryQueue; entry: QueuedMessage } | undefined {
    if (this.#state !== 'delivered') return undefined;
    this.#state = 'connection-closed';
    this.#release();
    return { queue: this.#queue, entry: this.#entry };
  }

  #settle(operation: 'ack' | 'reject'): boolean {
    switch (this.#state) {
      case 'delivered':
        this.#state = 'settled';
        return true;
      case 'lease-lost':
        return false;
      case 'connection-closed':
        throw new TqError(ErrorCodes.CLOSED, `cannot ${operation}: the transport that received the message closed`);
      default:
        throw new TqError(ErrorCodes.BROKER_REFUSED, `cannot ${operation}: the delivery was already acked or rejected`, {
          details: { queue: this.queue },
        });
    }
  }

  async #extend(ms: number): Promise<void> {
    if (!Number.isFinite(ms) || ms < 0) {
      throw new TqError(ErrorCodes.INVALID_CONFIG, `extend(ms) needs a finite, non-negative number, got ${ms}`);
    }
    if (this.#state === 'settled') return;
    if (this.#state !== 'delivered') {
      throw new TqError(ErrorCodes.BROKER_REFUSED, 'cannot extend: the lease already ran out or the transport closed');
    }
    this.#startLease(ms);
  }

  #startLease(ms: number | undefined): void {
    clearTimeout(this.#leaseTimer);
    if (ms === undefined) return;
    this.#leaseTimer = setTimeout(() => {
      if (this.#state !== 'delivered') return;
      this.#state = 'lease-lost';
      this.#queue.returnToFront([this.#entry]);
      this.#release();
    }, ms);
    this.#leaseTimer.unref();
  }

  #release(): void {
    clearTimeout(this.#leaseTimer);
    this.#queue.outstanding--;
    this.#owner.untrack(this);
    this.#holder.released(this);
  }
}

/** Gives taken-back messages to their queues, one call per queue so their order is kept. */
export function requeueAtFront(taken: readonly ({ queue: MemoryQueue; entry: QueuedMessage } | undefined)[]): void {
  const byQueue = new Map<MemoryQueue, QueuedMessage[]>();
  for (const item of taken) {
    if (!item) continue;
    const entries = byQueue.get(item.queue) ?? [];
    entries.push(item.entry);
    byQueue.set(item.queue, entries);
  }
  for (const [queue, entries] of byQueue) queue.returnToFront(entries);
}
