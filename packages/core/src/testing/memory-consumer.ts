import type { Delivery } from '../contracts/index.js';
import { type DeliveryOwner, MemoryDelivery, requeueAtFront } from './memory-delivery.js';
import type { MemoryQueue, QueueConsumer, QueuedMessage } from './memory-queue.js';

/**
 * One `consume()` iteration. Queues push messages into it (no polling) while fewer than `prefetch` are
 * outstanding: prefetched here, or handed out and not yet settled. When it stops (signal, `return()`, transport
 * close) prefetched messages go back to the front of their queues untouched; handed-out ones stay with their
 * holder, who can still ack or reject them.
 */
export class MemoryConsumer implements QueueConsumer, AsyncIterableIterator<Delivery> {
  readonly #queues: MemoryQueue[];
  readonly #prefetch: number;
  readonly #owner: DeliveryOwner;
  readonly #onStop: (consumer: MemoryConsumer) => void;
  readonly #signal: AbortSignal | undefined;
  readonly #prefetched: MemoryDelivery[] = [];
  readonly #waiters: ((result: IteratorResult<Delivery>) => void)[] = [];
  #outstanding = 0;
  #stopped = false;
  #started = false;
  #pullFrom = 0;
  readonly #abort = () => this.stop();

  constructor(options: {
    queues: MemoryQueue[];
    prefetch: number;
    owner: DeliveryOwner;
    signal: AbortSignal | undefined;
    onStop: (consumer: MemoryConsumer) => void;
  }) {
    this.#queues = options.queues;
    this.#prefetch = options.prefetch;
    this.#owner = options.owner;
    this.#signal = options.signal;
    this.#onStop = options.onStop;
  }

  get outstanding(): number {
    return this.#outstanding;
  }

  /** Attaches to the queues; messages start arriving. */
  start(): void {
    if (this.#started || this.#stopped) return;
    this.#started = true;
    if (this.#signal?.aborted) {
      this.stop();
      return;
    }
    this.#signal?.addEventListener('abort', this.#abort, { once: true });
    for (const queue of this.#queues) queue.attach(this);
  }

  hasCapacity(): boolean {
    return !this.#stopped && this.#outstanding < this.#prefetch;
  }

  accept(queue: MemoryQueue, entry: QueuedMessage): void {
    const delivery = new MemoryDelivery(queue, entry, this, this.#owner);
    this.#outstanding++;
    queue.outstanding++;
    const waiter = this.#waiters.shift();
    if (waiter) waiter({ value: delivery.deliver(), done: false });
    else this.#prefetched.push(delivery);
  }

  released(_delivery: MemoryDelivery): void {
    this.#outstanding--;
    if (this.#stopped) return;
    // Room again: ask the queues for more, starting with a different one each time so no queue starves.
    const count = this.#queues.length;
    const first = this.#pullFrom++ % count;
    for (let step = 0; step < count && this.hasCapacity(); step++) this.#queues[(first + step) % count]!.dispatch();
  }

  next(): Promise<IteratorResult<Delivery>> {
    this.start();
    const delivery = this.#prefetched.shift();
    if (delivery) return Promise.resolve({ value: delivery.deliver(), done: false });
    if (this.#stopped) return Promise.resolve({ value: undefined, done: true });
    return new Promise((resolve) => this.#waiters.push(resolve));
  }

  return(): Promise<IteratorResult<Delivery>> {
    this.stop();
    return Promise.resolve({ value: undefined, done: true });
  }

  stop(): void {
    if (this.#stopped) return;
    this.#stopped = true;
    this.#signal?.removeEventListener('abort', this.#abort);
    for (const queue of this.#queues) queue.detach(this);
    for (const waiter of this.#waiters.splice(0)) waiter({ value: undefined, done: true });
    requeueAtFront(this.#prefetched.splice(0).map((delivery) => delivery.takeBackUnseen()));
    this.#onStop(this);
  }

  [Symbol.asyncIterator](): this {
    return this;
  }
}
