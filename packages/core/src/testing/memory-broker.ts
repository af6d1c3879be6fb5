import type { BroadcastMessage, Binding, ExchangeDeclaration, QueueDeclaration } from '../contracts/index.js';
import { ErrorCodes, TqError } from '../errors/index.js';
import { MemoryQueue, type QueuedMessage } from './memory-queue.js';
import { topicMatches } from './topic-match.js';

interface ExchangeState {
  declaration: ExchangeDeclaration;
  bindings: Binding[];
  /** Broadcast subscriptions: they see everything published to the exchange, whatever the routing key. */
  subscribers: Set<(message: BroadcastMessage) => void>;
}

/** Counts over every queue of a broker. */
export interface MemoryBrokerStats {
  /** Messages waiting to be delivered. */
  ready: number;
  /** Messages waiting for their delay to end. */
  delayed: number;
  /** Messages handed to consumers and not yet acked or rejected (including prefetched ones). */
  outstanding: number;
}

/**
 * The state behind memory transports: queues, exchanges and bindings. One transport gets a private broker by
 * default; several transports given the same broker behave like several connections to one server (a message
 * left unacked by a closed transport is delivered to another).
 */
export class MemoryBroker {
  readonly #queues = new Map<string, MemoryQueue>();
  readonly #exchanges = new Map<string, ExchangeState>();

  /** The queue by name, created on first use (publishing to or consuming from an undeclared queue works). */
  queue(name: string): MemoryQueue {
    let queue = this.#queues.get(name);
    if (!queue) {
      queue = new MemoryQueue({ name });
      this.#queues.set(name, queue);
    }
    return queue;
  }

  findQueue(name: string): MemoryQueue | undefined {
    return this.#queues.get(name);
  }

  declareQueue(declaration: QueueDeclaration): void {
    const existing = this.#queues.get(declaration.name);
    if (existing) existing.declaration = { ...existing.declaration, ...declaration };
    else this.#queues.set(declaration.name, new MemoryQueue(declaration));
  }

  declareExchange(declaration: ExchangeDeclaration): void {
    const existing = this.#exchanges.get(declaration.name);
    if (existing) {
      if (existing.declaration.type !== declaration.type) {
        throw new TqError(
          ErrorCodes.BROKER_REFUSED,
          `exchange ${declaration.name} exists with type ${existing.declaration.type}, not ${declaration.type}`,
          { details: { exchange: declaration.name } },
        );
      }
      return;
    }
    this.#exchanges.set(declaration.name, { declaration: { ...declaration }, bindings: [], subscribers: new Set() });
  }

  bind(binding: Binding): void {
    const exchange = this.#exchange(binding.exchange);
    this.queue(binding.queue);
    const duplicate = exchange.bindings.some((b) => b.queue === binding.queue && b.routingKey === binding.routingKey);
    if (!duplicate) exchange.bindings.push({ ...binding });
  }

  /** The queues a message published to `exchange` with `routingKey` reaches, and the exchange's subscribers. */
  route(exchangeName: string, routingKey: string): { queues: MemoryQueue[]; subscribers: ((m: BroadcastMessage) => void)[] } {
    const exchange = this.#exchange(exchangeName);
    const { type } = exchange.declaration;
    const names = new Set<string>();
    for (const binding of exchange.bindings) {
      const matches =
        type === 'fanout' ||
        (type === 'direct' && binding.routingKey === routingKey) ||
        (type === 'topic' && topicMatches(binding.routingKey, routingKey));
      if (matches) names.add(binding.queue);
    }
    return { queues: [...names].map((name) => this.queue(name)), subscribers: [...exchange.subscribers] };
  }

  hasExchange(name: string): boolean {
    return this.#exchanges.has(name);
  }

  /** Adds a broadcast subscriber; returns the function that removes it. */
  subscribe(exchangeName: string, listener: (message: BroadcastMessage) => void): () => void {
    const exchange = this.#exchange(exchangeName);
    exchange.subscribers.add(listener);
    return () => exchange.subscribers.delete(listener);
  }

  /** Moves a message rejected without requeue to its queue's dead-letter queue (`<queue>.dead` by default). */
  deadLetter(from: MemoryQueue, entry: QueuedMessage): void {
    const target = this.queue(from.declaration.deadLetterQueue ?? `${from.name}.dead`);
    target.enqueue({ ...entry, deliveryCount: 0, expiresMs: undefined, expiresAt: undefined });
  }

  /** Drops a queue's messages and bindings. A queue with consumers attached stays, empty, so they keep working. */
  deleteQueue(name: string): void {
    const queue = this.#queues.get(name);
    if (!queue) return;
    queue.clear();
    for (const exchange of this.#exchanges.values()) {
      exchange.bindings = exchange.bindings.filter((binding) => binding.queue !== name);
    }
    if (queue.consumerCount === 0) this.#queues.delete(name);
    else queue.declaration = { name };
  }

  stats(): MemoryBrokerStats {
    const stats: MemoryBrokerStats = { ready: 0, delayed: 0, outstanding: 0 };
    for (const queue of this.#queues.values()) {
      stats.ready += queue.readyCount;
      stats.delayed += queue.delayedCount;
      stats.outstanding += queue.outstanding;
    }
    return stats;
  }

  /** True when nothing is ready, scheduled or waiting for an ack. */
  idle(): boolean {
    const { ready, delayed, outstanding } = this.stats();
    return ready === 0 && delayed === 0 && outstanding === 0;
  }

  /** Makes every delayed message ready now; returns how many. */
  releaseDelayed(): number {
    let released = 0;
    for (const queue of this.#queues.values()) released += queue.releaseDelayed();
    return released;
  }

  #exchange(name: string): ExchangeState {
    const exchange = this.#exchanges.get(name);
    if (!exchange) {
      throw new TqError(ErrorCodes.BROKER_REFUSED, `exchange ${name} is not declared`, { details: { exchange: name } });
    }
    return exchange;
  }
}
