import {
  type Binding,
  type BroadcastMessage,
  type ConsumeOptions,
  type Delivery,
  type ExchangeDeclaration,
  type ExchangeType,
  type PublishItem,
  type PublishOptions,
  type QueueDeclaration,
  type SignalOptions,
  type Transport,
  type TransportMessage,
  throwIfAborted,
  type TqError,
} from '@tq/core';
import { AckBatcher } from './ack-batcher.js';
import { bindingMember, topicPattern } from './bindings.js';
import { redisTransportCapabilities } from './capabilities.js';
import { closeConnection, createConnection, ReadyGate, type RedisClient } from './connection.js';
import { RedisConsumer, type ConsumerDeps } from './consumer.js';
import type { TransportContext } from './context.js';
import { clusterKeyPrefix, withClusterOption } from './cluster.js';
import { closedError, toTqError } from './errors.js';
import { FanoutSubscription } from './fanout.js';
import { LeaseKeeper } from './held.js';
import { KeyLayout } from './keys.js';
import { type RedisTransportOptions, type ResolvedTransportOptions, resolveTransportOptions } from './options.js';
import { PublishCoalescer } from './publish-coalescer.js';
import { Publisher } from './publisher.js';
import { Restorer, SweepSchedule } from './restorer.js';
import { Subscriber } from './subscriber.js';
import { parseRedisUrl, type RedisConnectionConfig } from './url.js';
import { WakeHub } from './wake-hub.js';

/**
 * tq's Transport over Redis with kombu's key layout, so Python Celery workers and tq workers share queues.
 * See README.md for the layout, the fetch/ack design and the differences from kombu.
 */
export class RedisTransport implements Transport, TransportContext {
  readonly capabilities: Transport['capabilities'];
  readonly options: ResolvedTransportOptions;
  readonly config: RedisConnectionConfig;
  readonly keys: KeyLayout;
  private client: RedisClient | undefined;
  private readonly gate: ReadyGate;
  private closing: Promise<void> | undefined;
  private closed = false;
  private readonly exchanges = new Map<string, ExchangeType>();
  private readonly deadLetterQueues = new Map<string, string>();
  private readonly bindings = new Map<string, Binding[]>();
  private readonly consumers = new Set<RedisConsumer>();
  private readonly restorer: Restorer;
  private readonly leases: LeaseKeeper;
  private readonly acks: AckBatcher;
  private readonly publisher: Publisher;
  private readonly singlePublishes: PublishCoalescer;
  private readonly wake: WakeHub;
  private readonly subscriber: Subscriber;
  private readonly subscriptions = new Set<FanoutSubscription>();
  private readonly sweeps: SweepSchedule;

  constructor(options: RedisTransportOptions = {}) {
    const resolved = resolveTransportOptions(options);
    const parsed = parseRedisUrl(resolved.url, resolved.masterName ? { masterName: resolved.masterName } : {});
    this.config = withClusterOption({ ...parsed, options: { ...parsed.options, ...resolved.redis } }, options.cluster);
    // On a cluster every key of a script or pipeline must share one slot: the prefix carries the hash tag.
    this.options = this.config.kind === 'cluster' ? { ...resolved, keyPrefix: clusterKeyPrefix(options.keyPrefix, 'the transport') } : resolved;
    this.capabilities = redisTransportCapabilities(this.options.deadLetter);
    this.keys = new KeyLayout({
      keyPrefix: this.options.keyPrefix,
      separator: this.options.separator,
      prioritySteps: this.options.prioritySteps,
      db: this.config.db,
    });
    this.restorer = new Restorer(this);
    this.sweeps = new SweepSchedule(this.restorer, this.options.restoreIntervalMs, () => !this.closed && this.consumers.size > 0);
    this.leases = new LeaseKeeper(this);
    this.acks = new AckBatcher(this);
    this.publisher = new Publisher(this);
    this.singlePublishes = new PublishCoalescer((items) => this.publisher.publishEach(items));
    this.wake = new WakeHub(this.config, this.options.idleWaitMs / 1000);
    this.subscriber = new Subscriber(this.config, 'fanout');
    this.gate = new ReadyGate(() => this.command(), this.options.connectTimeoutMs, 'connecting to Redis');
  }

  command(): RedisClient {
    if (this.closed) throw closedError('transport');
    this.client ??= createConnection(this.config, 'command');
    return this.client;
  }

  isClosed(): boolean {
    return this.closed;
  }

  report(error: TqError): void {
    try {
      this.options.onError(error);
    } catch {
      // a throwing reporter must not break consumption
    }
  }

  exchangeType(exchange: string): ExchangeType | undefined {
    return this.exchanges.get(exchange);
  }

  deadLetterQueue(queue: string): string {
    return this.deadLetterQueues.get(queue) ?? `${queue}.dead`;
  }

  async connect(options: SignalOptions = {}): Promise<void> {
    throwIfAborted(options.signal, 'connect');
    await this.gate.wait(options.signal);
  }

  async close(options: { force?: boolean } = {}): Promise<void> {
    this.closing ??= this.shutdown(options.force ?? false);
    return this.closing;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  async declareQueue(queue: QueueDeclaration, options: SignalOptions = {}): Promise<void> {
    throwIfAborted(options.signal, 'declareQueue');
    if (this.closed) throw closedError('declareQueue');
    // kombu keeps queue declarations in memory only: a Redis list exists once something is pushed to it.
    if (queue.deadLetterQueue) this.deadLetterQueues.set(queue.name, queue.deadLetterQueue);
  }

  async declareExchange(exchange: ExchangeDeclaration, options: SignalOptions = {}): Promise<void> {
    throwIfAborted(options.signal, 'declareExchange');
    if (this.closed) throw closedError('declareExchange');
    this.exchanges.set(exchange.name, exchange.type);
  }

  async bindQueue(binding: Binding, options: SignalOptions = {}): Promise<void> {
    throwIfAborted(options.signal, 'bindQueue');
    const pattern = this.exchanges.get(binding.exchange) === 'topic' ? topicPattern(binding.routingKey) : '';
    const member = bindingMember({ routingKey: binding.routingKey, pattern, queue: binding.queue }, this.options.separator);
    try {
      await this.command().sadd(this.keys.binding(binding.exchange), member);
    } catch (error) {
      throw toTqError(error, 'bindQueue', { exchange: binding.exchange, queue: binding.queue });
    }
    const known = this.bindings.get(binding.queue) ?? [];
    known.push(binding);
    this.bindings.set(binding.queue, known);
  }

  async publish(message: TransportMessage, options: PublishOptions): Promise<void> {
    await this.connect(options);
    if (this.subscriptions.size > 0) await this.subscriber.settled();
    await this.singlePublishes.publish({ message, options });
  }

  async publishBatch(items: readonly PublishItem[], options: SignalOptions = {}): Promise<void> {
    if (items.length === 0) return;
    await this.connect(options);
    if (this.subscriptions.size > 0) await this.subscriber.settled();
    await this.publisher.publish(items, options);
  }

  consume(queues: readonly string[], options: ConsumeOptions = {}): AsyncIterable<Delivery> {
    if (queues.length === 0) throw new RangeError('consume needs at least one queue');
    const prefetch = Math.max(1, Math.floor(options.prefetch ?? 1));
    const deps = this.consumerDeps();
    return { [Symbol.asyncIterator]: () => new RedisConsumer(deps, [...queues], prefetch, options.signal) };
  }

  async purge(queue: string, options: SignalOptions = {}): Promise<number> {
    await this.connect(options);
    const transaction = this.command().multi();
    for (const key of [...this.keys.lists(queue), this.keys.delayed(queue)]) {
      if (key === this.keys.delayed(queue)) transaction.zcard(key);
      else transaction.llen(key);
      transaction.del(key);
    }
    const results = await this.run(transaction.exec(), 'purge');
    return (results ?? []).filter((_, i) => i % 2 === 0).reduce((sum, [, count]) => sum + Number(count ?? 0), 0);
  }

  async size(queue: string, options: SignalOptions = {}): Promise<number> {
    await this.connect(options);
    const pipeline = this.command().pipeline();
    for (const key of this.keys.lists(queue)) pipeline.llen(key);
    const results = await this.run(pipeline.exec(), 'size');
    const failure = results?.find(([error]) => error)?.[0];
    if (failure) throw toTqError(failure, 'size', { queue });
    return (results ?? []).reduce((sum, [, count]) => sum + Number(count ?? 0), 0);
  }

  async deleteQueue(queue: string, options: SignalOptions = {}): Promise<void> {
    await this.connect(options);
    const transaction = this.command().multi().del(...this.keys.lists(queue), this.keys.delayed(queue));
    for (const binding of this.bindings.get(queue) ?? []) {
      const pattern = this.exchanges.get(binding.exchange) === 'topic' ? topicPattern(binding.routingKey) : '';
      transaction.srem(this.keys.binding(binding.exchange), bindingMember({ routingKey: binding.routingKey, pattern, queue }, this.options.separator));
    }
    await this.run(transaction.exec(), 'deleteQueue');
    this.bindings.delete(queue);
  }

  async broadcast(exchange: string, routingKey: string, message: TransportMessage, options: SignalOptions = {}): Promise<void> {
    await this.connect(options);
    if (this.subscriptions.size > 0) await this.subscriber.settled();
    await this.publisher.broadcast(exchange, routingKey, message, options);
  }

  subscribe(exchange: string, options: SignalOptions = {}): AsyncIterable<BroadcastMessage> {
    if (this.closed) throw closedError('subscribe');
    const subscription = new FanoutSubscription(this.subscriber, this.keys, exchange, (error) => this.report(error), options.signal);
    this.subscriptions.add(subscription);
    void subscription.ready.catch(() => {});
    return {
      [Symbol.asyncIterator]: () => subscription,
    };
  }

  private consumerDeps(): ConsumerDeps {
    return {
      ctx: this,
      restorer: this.restorer,
      leases: this.leases,
      acks: this.acks,
      wake: this.wake,
      ensureConnected: (signal) => this.connect({ signal }),
      watchDelayed: async (queues, onDue) => {
        const handler = (_channel: string, payload: Buffer) => onDue(Number(payload.toString()));
        const unsubscribes = await Promise.all(queues.map((queue) => this.subscriber.subscribe(this.keys.delayed(queue), handler)));
        return async () => {
          await Promise.all(unsubscribes.map((unsubscribe) => unsubscribe()));
        };
      },
      register: (consumer) => {
        this.consumers.add(consumer);
        this.sweeps.start();
      },
      unregister: (consumer) => {
        this.consumers.delete(consumer);
      },
    };
  }

  /** Visibility-timeout sweep on demand (tests, tools). Returns how many messages were put back. */
  restoreExpired(): Promise<number> {
    return this.restorer.sweep();
  }

  private async shutdown(force: boolean): Promise<void> {
    this.sweeps.stop();
    await Promise.allSettled([...this.subscriptions].map((subscription) => subscription.end()));
    const consumers = [...this.consumers];
    for (const consumer of consumers) consumer.requestStop();
    await Promise.allSettled(consumers.map((consumer) => consumer.stop()));
    // kombu's restore_at_shutdown: deliveries nobody settled go back to their queues now, not an hour later.
    if (this.leases.held.size > 0 && this.client?.status === 'ready') {
      await this.restorer.restoreHeld([...this.leases.held.values()]).catch((error) => this.report(toTqError(error, 'restoring at close')));
    }
    this.leases.stop();
    if (!force && this.client?.status === 'ready') await this.acks.drain();
    this.closed = true;
    await Promise.allSettled([this.wake.close(), this.subscriber.close(force), this.client ? closeConnection(this.client, force) : undefined]);
  }

  private async run<T>(operation: Promise<T>, what: string): Promise<T> {
    try {
      return await operation;
    } catch (error) {
      throw toTqError(error, what);
    }
  }
}


/** Builds a transport from a URL (the `tq` command's factory signature). */
export function redisTransport(url?: string, options: Omit<RedisTransportOptions, 'url'> = {}): RedisTransport {
  return new RedisTransport({ ...options, ...(url ? { url } : {}) });
}
