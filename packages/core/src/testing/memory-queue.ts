import type { QueueDeclaration, TransportMessage } from '../contracts/index.js';
import { PriorityFifo } from './priority-fifo.js';

/** A message held by the memory broker, with the routing facts it was published with. */
export interface QueuedMessage {
  /** The stored copy; never handed out (consumers get their own copy). */
  message: TransportMessage;
  exchange: string;
  routingKey: string;
  priority: number;
  /** Per-message TTL from the moment it became ready (publish, or the end of its delay). */
  expiresMs: number | undefined;
  expiresAt: number | undefined;
  /** How many times a consumer has been handed it. */
  deliveryCount: number;
}

/** What a queue needs from a consumer to push messages to it. */
export interface QueueConsumer {
  hasCapacity(): boolean;
  accept(queue: MemoryQueue, entry: QueuedMessage): void;
}

// setTimeout overflows above 2^31-1 ms (about 24.8 days) and fires at once; longer delays are re-armed in steps.
const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * One named queue of the memory broker: ready messages by priority, delayed messages on unref'd timers (a test
 * process can exit with messages still scheduled), and the consumers it pushes to, round-robin, each up to its
 * prefetch.
 */
export class MemoryQueue {
  declaration: QueueDeclaration;
  readonly #ready = new PriorityFifo<QueuedMessage>();
  readonly #delayed = new Map<QueuedMessage, { dueAt: number; timer: NodeJS.Timeout }>();
  readonly #consumers: QueueConsumer[] = [];
  #nextConsumer = 0;
  #dispatching = false;
  #dispatchAgain = false;
  /** Messages handed to consumers and not yet settled (buffered or delivered). */
  outstanding = 0;

  constructor(declaration: QueueDeclaration) {
    this.declaration = { ...declaration };
  }

  get name(): string {
    return this.declaration.name;
  }

  get consumerCount(): number {
    return this.#consumers.length;
  }

  get delayedCount(): number {
    return this.#delayed.size;
  }

  /** Ready messages, after dropping the expired ones. */
  get readyCount(): number {
    this.#dropExpired();
    return this.#ready.size;
  }

  /** Adds a new message: ready now, or after `delayMs`. */
  enqueue(entry: QueuedMessage, delayMs = 0): void {
    if (delayMs > 0) {
      this.#schedule(entry, Date.now() + delayMs);
      return;
    }
    this.#makeReady(entry);
  }

  /** Gives messages back at the front of their priority, keeping their order. */
  returnToFront(entries: readonly QueuedMessage[]): void {
    for (let i = entries.length - 1; i >= 0; i--) {
      const entry = entries[i]!;
      this.#ready.unshift(entry.priority, entry);
    }
    this.dispatch();
  }

  attach(consumer: QueueConsumer): void {
    this.#consumers.push(consumer);
    this.dispatch();
  }

  detach(consumer: QueueConsumer): void {
    const index = this.#consumers.indexOf(consumer);
    if (index < 0) return;
    this.#consumers.splice(index, 1);
    if (this.#nextConsumer > index) this.#nextConsumer--;
  }

  /** Hands ready messages to consumers with room, round-robin. Safe to call from inside itself. */
  dispatch(): void {
    if (this.#dispatching) {
      this.#dispatchAgain = true;
      return;
    }
    this.#dispatching = true;
    try {
      do {
        this.#dispatchAgain = false;
        while (this.#ready.size > 0) {
          const consumer = this.#consumerWithRoom();
          if (!consumer) break;
          const entry = this.#ready.shift()!;
          if (isExpired(entry)) continue;
          consumer.accept(this, entry);
        }
      } while (this.#dispatchAgain);
    } finally {
      this.#dispatching = false;
    }
  }

  /** Removes every ready message (delayed ones stay scheduled); returns how many. */
  purge(): number {
    this.#dropExpired();
    return this.#ready.clear();
  }

  /** Makes every delayed message ready now; returns how many (test mode's fast-forward). */
  releaseDelayed(): number {
    const entries = [...this.#delayed.keys()];
    for (const entry of entries) {
      clearTimeout(this.#delayed.get(entry)!.timer);
      this.#delayed.delete(entry);
      this.#ready.push(entry.priority, withExpiry(entry));
    }
    if (entries.length > 0) this.dispatch();
    return entries.length;
  }

  /** Drops ready and delayed messages (queue deletion). */
  clear(): void {
    for (const { timer } of this.#delayed.values()) clearTimeout(timer);
    this.#delayed.clear();
    this.#ready.clear();
  }

  #makeReady(entry: QueuedMessage): void {
    this.#ready.push(entry.priority, withExpiry(entry));
    this.dispatch();
  }

  #schedule(entry: QueuedMessage, dueAt: number): void {
    const wait = Math.min(Math.max(dueAt - Date.now(), 0), MAX_TIMER_MS);
    const timer = setTimeout(() => {
      this.#delayed.delete(entry);
      if (dueAt > Date.now()) this.#schedule(entry, dueAt);
      else this.#makeReady(entry);
    }, wait);
    timer.unref();
    this.#delayed.set(entry, { dueAt, timer });
  }

  #consumerWithRoom(): QueueConsumer | undefined {
    const count = this.#consumers.length;
    for (let step = 0; step < count; step++) {
      const index = (this.#nextConsumer + step) % count;
      const consumer = this.#consumers[index]!;
      if (consumer.hasCapacity()) {
        this.#nextConsumer = (index + 1) % count;
        return consumer;
      }
    }
    return undefined;
  }

  #dropExpired(): void {
    this.#ready.removeWhere(isExpired);
  }
}

function withExpiry(entry: QueuedMessage): QueuedMessage {
  entry.expiresAt = entry.expiresMs === undefined ? undefined : Date.now() + entry.expiresMs;
  return entry;
}

function isExpired(entry: QueuedMessage): boolean {
  return entry.expiresAt !== undefined && Date.now() > entry.expiresAt;
}
