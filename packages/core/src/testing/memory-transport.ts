import {
  type BroadcastMessage,
  type Binding,
  type ConsumeOptions,
  type Delivery,
  defineTransportCapabilities,
  type ExchangeDeclaration,
  type PublishItem,
  type PublishOptions,
  type QueueDeclaration,
  type SignalOptions,
  type Transport,
  type TransportCapabilities,
  type TransportMessage,
} from '../contracts/index.js';
import { ErrorCodes, TqError, throwIfAborted } from '../errors/index.js';
import { AsyncChannel } from './async-channel.js';
import { MemoryBroker, type MemoryBrokerStats } from './memory-broker.js';
import { MemoryConsumer } from './memory-consumer.js';
import { type DeliveryOwner, type MemoryDelivery, requeueAtFront } from './memory-delivery.js';
import { planPublish } from './publish-plan.js';

export interface MemoryTransportOptions {
  /** Share queues with other memory transports, like several connections to one server. Default: a private one. */
  broker?: MemoryBroker;
  /**
   * Lease each delivery for this long: one neither acked, rejected nor extended in time is delivered again. Turns
   * on `visibilityTimeout` and `extendLease`. Default: no leases (a delivery waits for its ack forever, as in AMQP).
   */
  visibilityTimeoutMs?: number;
  /** Refuse larger messages (body plus headers and properties as JSON) with TQ_MESSAGE_TOO_LARGE. Default: no limit. */
  maxMessageBytes?: number;
}

/**
 * A Transport that lives in this process: the broker of test mode (tasks run with no server) and the reference
 * the conformance suite checks itself against. It honours the whole contract: priorities, delays, exchanges,
 * broadcast, prefetch, requeue, dead-lettering (`<queue>.dead` unless the queue names another), and optionally
 * leases. `idle()`, `stats()` and `releaseDelayed()` let a test run until nothing is left to do.
 */
export class MemoryTransport implements Transport, DeliveryOwner {
  readonly capabilities: Readonly<TransportCapabilities>;
  readonly broker: MemoryBroker;
  readonly leaseMs: number | undefined;
  readonly #maxMessageBytes: number;
  readonly #consumers = new Set<MemoryConsumer>();
  readonly #delivered = new Set<MemoryDelivery>();
  readonly #subscriptions = new Set<AsyncChannel<BroadcastMessage>>();
  #closed = false;

  constructor(options: MemoryTransportOptions = {}) {
    const { visibilityTimeoutMs, maxMessageBytes = Number.POSITIVE_INFINITY } = options;
    if (visibilityTimeoutMs !== undefined && !(visibilityTimeoutMs > 0 && Number.isFinite(visibilityTimeoutMs))) {
      throw new TqError(ErrorCodes.INVALID_CONFIG, `visibilityTimeoutMs must be a positive number, got ${visibilityTimeoutMs}`);
    }
    if (!(maxMessageBytes > 0)) {
      throw new TqError(ErrorCodes.INVALID_CONFIG, `maxMessageBytes must be a positive number, got ${maxMessageBytes}`);
    }
    this.broker = options.broker ?? new MemoryBroker();
    this.leaseMs = visibilityTimeoutMs;
    this.#maxMessageBytes = maxMessageBytes;
    this.capabilities = defineTransportCapabilities({
      delayedDelivery: true,
      maxDelayMs: Number.POSITIVE_INFINITY,
      priorities: true,
      maxPriority: 255,
      visibilityTimeout: visibilityTimeoutMs !== undefined,
      extendLease: visibilityTimeoutMs !== undefined,
      deadLetter: true,
      fanout: true,
      topic: true,
      maxMessageBytes,
      nativeTtl: true,
      push: true,
      durable: false,
      multiProcess: false,
    });
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** True when the broker has nothing ready, delayed, prefetched or waiting for an ack. */
  idle(): boolean {
    return this.broker.idle();
  }

  /** Messages handed to consumers (of any transport on this broker) and not yet acked or rejected. */
  get outstanding(): number {
    return this.broker.stats().outstanding;
  }

  stats(): MemoryBrokerStats {
    return this.broker.stats();
  }

  /** Makes every delayed message deliverable now (test mode's fast-forward); returns how many. */
  releaseDelayed(): number {
    return this.broker.releaseDelayed();
  }

  track(delivery: MemoryDelivery): void {
    this.#delivered.add(delivery);
  }

  untrack(delivery: MemoryDelivery): void {
    this.#delivered.delete(delivery);
  }

  async connect(options: SignalOptions = {}): Promise<void> {
    this.#check('connect', options.signal);
  }

  /** Stops this transport's consumers and subscriptions; its unacked deliveries go back to their queues. */
  async close(_options: { force?: boolean } = {}): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    for (const consumer of [...this.#consumers]) consumer.stop();
    requeueAtFront([...this.#delivered].map((delivery) => delivery.takeBackOnClose()));
    for (const subscription of [...this.#subscriptions]) subscription.close();
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  async declareQueue(queue: QueueDeclaration, options: SignalOptions = {}): Promise<void> {
    this.#check('declareQueue', options.signal);
    requireName(queue?.name, 'queue name');
    this.broker.declareQueue(queue);
  }

  async declareExchange(exchange: ExchangeDeclaration, options: SignalOptions = {}): Promise<void> {
    this.#check('declareExchange', options.signal);
    requireName(exchange?.name, 'exchange name');
    if (!['direct', 'topic', 'fanout'].includes(exchange.type)) {
      throw new TqError(ErrorCodes.INVALID_CONFIG, `unknown exchange type ${String(exchange.type)}`);
    }
    this.broker.declareExchange(exchange);
  }

  async bindQueue(binding: Binding, options: SignalOptions = {}): Promise<void> {
    this.#check('bindQueue', options.signal);
    requireName(binding?.exchange, 'exchange name');
    requireName(binding.queue, 'queue name');
    this.broker.bind({ ...binding, routingKey: binding.routingKey ?? '' });
  }

  async publish(message: TransportMessage, options: PublishOptions): Promise<void> {
    this.#check('publish', options?.signal);
    planPublish(this.broker, message, options ?? {}, this.#maxMessageBytes)();
  }

  /** Validates every item first, so a bad item publishes nothing. */
  async publishBatch(items: readonly PublishItem[], options: SignalOptions = {}): Promise<void> {
    this.#check('publishBatch', options.signal);
    const plans = items.map((item) => planPublish(this.broker, item.message, item.options ?? {}, this.#maxMessageBytes));
    for (const publish of plans) publish();
  }

  consume(queues: readonly string[], options: ConsumeOptions = {}): AsyncIterable<Delivery> {
    return {
      [Symbol.asyncIterator]: (): AsyncIterator<Delivery> => {
        try {
          this.#check('consume');
          const prefetch = options.prefetch ?? 1;
          if (!Number.isInteger(prefetch) || prefetch < 1) {
            throw new TqError(ErrorCodes.INVALID_CONFIG, `prefetch must be a positive integer, got ${prefetch}`);
          }
          if (!Array.isArray(queues) || queues.length === 0) {
            throw new TqError(ErrorCodes.INVALID_CONFIG, 'consume needs at least one queue name');
          }
          for (const name of queues) requireName(name, 'queue name');
          const consumer = new MemoryConsumer({
            queues: [...new Set(queues)].map((name) => this.broker.queue(name)),
            prefetch,
            owner: this,
            signal: options.signal,
            onStop: (stopped) => this.#consumers.delete(stopped),
          });
          this.#consumers.add(consumer);
          return consumer;
        } catch (error) {
          return failingIterator(error);
        }
      },
    };
  }

  async purge(queue: string, options: SignalOptions = {}): Promise<number> {
    this.#check('purge', options.signal);
    return this.broker.findQueue(queue)?.purge() ?? 0;
  }

  async size(queue: string, options: SignalOptions = {}): Promise<number> {
    this.#check('size', options.signal);
    return this.broker.findQueue(queue)?.readyCount ?? 0;
  }

  async deleteQueue(queue: string, options: SignalOptions = {}): Promise<void> {
    this.#check('deleteQueue', options.signal);
    this.broker.deleteQueue(queue);
  }

  /** Declares the exchange as fanout when it does not exist yet, as kombu's broadcast does. */
  async broadcast(exchange: string, routingKey: string, message: TransportMessage, options: SignalOptions = {}): Promise<void> {
    this.#check('broadcast', options.signal);
    requireName(exchange, 'exchange name');
    const publish = planPublish(this.broker, message, { exchange, routingKey }, this.#maxMessageBytes, true);
    publish();
  }

  /** The subscription starts at once (not on first `next()`), so nothing broadcast after this call is missed. */
  subscribe(exchange: string, options: SignalOptions = {}): AsyncIterable<BroadcastMessage> {
    try {
      this.#check('subscribe');
      requireName(exchange, 'exchange name');
    } catch (error) {
      return { [Symbol.asyncIterator]: () => failingIterator(error) };
    }
    const { signal } = options;
    const onAbort = () => channel.close();
    const channel: AsyncChannel<BroadcastMessage> = new AsyncChannel(() => {
      unsubscribe();
      signal?.removeEventListener('abort', onAbort);
      this.#subscriptions.delete(channel);
    });
    if (!this.broker.hasExchange(exchange)) this.broker.declareExchange({ name: exchange, type: 'fanout' });
    const unsubscribe = this.broker.subscribe(exchange, (message) => channel.push(message));
    this.#subscriptions.add(channel);
    if (signal?.aborted) channel.close();
    else signal?.addEventListener('abort', onAbort, { once: true });
    return channel;
  }

  #check(operation: string, signal?: AbortSignal): void {
    if (this.#closed) throw new TqError(ErrorCodes.CLOSED, `cannot ${operation}: the memory transport is closed`);
    throwIfAborted(signal, operation);
  }
}

export function memoryTransport(options: MemoryTransportOptions = {}): MemoryTransport {
  return new MemoryTransport(options);
}

function requireName(name: unknown, what: string): asserts name is string {
  if (typeof name !== 'string' || name.length === 0) {
    throw new TqError(ErrorCodes.INVALID_CONFIG, `${what} must be a non-empty string, got ${JSON.stringify(name)}`);
  }
}

function failingIterator<T>(error: unknown): AsyncIterator<T> {
  let thrown = false;
  return {
    next: () => {
      if (thrown) return Promise.resolve({ value: undefined, done: true });
      thrown = true;
      return Promise.reject(error);
    },
    return: () => Promise.resolve({ value: undefined, done: true }),
  };
}
