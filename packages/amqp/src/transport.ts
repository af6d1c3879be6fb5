import type {
  Binding,
  BroadcastMessage,
  ConsumeOptions,
  Delivery,
  ExchangeDeclaration,
  PublishItem,
  PublishOptions,
  QueueDeclaration,
  SignalOptions,
  Transport,
  TransportCapabilities,
  TransportFactory,
  TransportMessage,
} from '@tq/core';
import { ErrorCodes, TqError, throwIfAborted } from '@tq/core';
import { AdminChannel } from './admin-channel.js';
import { transportCapabilities } from './capabilities.js';
import { ConnectionManager } from './connection.js';
import { ConsumerSession } from './consumer.js';
import { DelayedDelivery } from './delayed-delivery.js';
import { missingEntity } from './errors.js';
import { toPublishOptions } from './message-codec.js';
import { type AmqpTransportOptions, type ResolvedTransportOptions, resolveTransportOptions } from './options.js';
import { Publisher } from './publisher.js';
import { BroadcastSubscription } from './subscriber.js';
import { Topology } from './topology.js';
import { parseAmqpUrl } from './url.js';
import { bounded, closedError } from './wait.js';

/**
 * The tq Transport over AMQP 0-9-1 (RabbitMQ), wire-compatible with Celery: task messages go to the default
 * exchange with the queue name as routing key, Celery's headers travel as AMQP application headers and its
 * properties as AMQP properties, queues are declared as Celery declares them.
 */
export class AmqpTransport implements Transport {
  readonly capabilities: Readonly<TransportCapabilities>;
  /** @internal Shared with the RPC result backend. */
  readonly connection: ConnectionManager;
  /** @internal */
  readonly publisher: Publisher;
  /** @internal */
  readonly admin: AdminChannel;
  readonly options: Readonly<ResolvedTransportOptions>;
  private readonly topology: Topology;
  private readonly delayed: DelayedDelivery;
  private readonly sessions = new Set<{ stop(): Promise<void> }>();
  private closed = false;

  constructor(options: AmqpTransportOptions = {}) {
    this.options = resolveTransportOptions(options);
    const url = parseAmqpUrl(this.options.url);
    this.capabilities = transportCapabilities(this.options);
    this.connection = new ConnectionManager(url, this.options);
    this.admin = new AdminChannel(this.connection, this.options.connectionTimeoutMs);
    this.topology = new Topology(this.admin, this.options);
    this.delayed = new DelayedDelivery(this.admin, { prefix: this.options.delayedPrefix, queueType: this.options.delayedQueueType });
    this.connection.addSetupHook(this.topology.replay);
    this.connection.addSetupHook(this.delayed.replay);
    this.publisher = new Publisher(this.connection, this.options);
  }

  async connect(options: SignalOptions = {}): Promise<void> {
    this.ensureOpen('connect', options.signal);
    await this.connection.ready('connect', options.signal);
  }

  async close(options: { force?: boolean } = {}): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.all([...this.sessions].map((session) => session.stop()));
    if (!options.force) {
      await bounded(this.publisher.flush(), this.options.confirmTimeoutMs, () => closedError('close')).catch(() => {});
    }
    await this.publisher.close();
    await this.admin.close();
    await this.connection.close();
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  async declareQueue(queue: QueueDeclaration, options: SignalOptions = {}): Promise<void> {
    this.ensureOpen('declareQueue', options.signal);
    await this.topology.declareQueue(queue, options.signal);
  }

  async declareExchange(exchange: ExchangeDeclaration, options: SignalOptions = {}): Promise<void> {
    this.ensureOpen('declareExchange', options.signal);
    await this.topology.declareExchange(exchange, options.signal);
  }

  async bindQueue(binding: Binding, options: SignalOptions = {}): Promise<void> {
    this.ensureOpen('bindQueue', options.signal);
    await this.topology.bindQueue(binding, options.signal);
  }

  async publish(message: TransportMessage, options: PublishOptions): Promise<void> {
    this.ensureOpen('publish', options.signal);
    if (!(message.body instanceof Uint8Array)) {
      throw new TqError(ErrorCodes.ENCODE, `publish: message.body must be a Uint8Array (serialized bytes), got ${typeof message.body}`);
    }
    if (message.body.byteLength > this.options.maxMessageBytes) {
      throw new TqError(
        ErrorCodes.MESSAGE_TOO_LARGE,
        `publish: the body is ${message.body.byteLength} bytes, more than maxMessageBytes (${this.options.maxMessageBytes})`,
        { details: { size: message.body.byteLength, max: this.options.maxMessageBytes } },
      );
    }
    const route = await this.route(options);
    const publishOptions = toPublishOptions(message, {
      mandatory: this.options.mandatory === 'always' || (this.options.mandatory === 'queue' && route.exchange === '') || route.delayed,
      ...(options.priority !== undefined ? { priority: options.priority } : {}),
      ...(options.expiresMs !== undefined ? { expirationMs: options.expiresMs } : {}),
      dropExpiration: route.delayed,
      dropDeathHeaders: route.delayed,
    });
    await this.publisher.publish(route.exchange, route.routingKey, asBuffer(message.body), publishOptions, options.signal);
  }

  async publishBatch(items: readonly PublishItem[], options: SignalOptions = {}): Promise<void> {
    const results = await Promise.allSettled(
      items.map((item) => this.publish(item.message, options.signal && !item.options.signal ? { ...item.options, signal: options.signal } : item.options)),
    );
    const failed = results.flatMap((result, index) => (result.status === 'rejected' ? [{ index, error: result.reason as unknown }] : []));
    if (failed.length === 0) return;
    const first = failed[0]!.error;
    const code = TqError.is(first) ? first.code : ErrorCodes.BROKER_REFUSED;
    throw new TqError(code, `publishBatch: ${failed.length} of ${items.length} publishes failed; first: ${(first as Error).message}`, {
      cause: first,
      retryable: TqError.is(first) && first.retryable,
      details: { failed: failed.map((entry) => entry.index) },
    });
  }

  consume(queues: readonly string[], options: ConsumeOptions = {}): AsyncIterable<Delivery> {
    const prefetch = options.prefetch ?? 1;
    if (!Number.isInteger(prefetch) || prefetch < 1 || prefetch > 65_535) {
      throw new TqError(ErrorCodes.INVALID_CONFIG, `consume: prefetch must be an integer 1..65535, got ${prefetch}`);
    }
    return {
      [Symbol.asyncIterator]: () => {
        if (this.closed) throw closedError('consume');
        const session = new ConsumerSession(queues, prefetch, options.signal, {
          connection: this.connection,
          route: (exchange, routingKey) => {
            const original = this.delayed.originalRoutingKey(exchange, routingKey);
            return original === undefined ? { exchange, routingKey, delayed: false } : { exchange: '', routingKey: original, delayed: true };
          },
          isQuorum: (queue) => (this.topology.plan(queue)?.queueType ?? this.options.queueType) === 'quorum',
          deadLetter: this.options.deadLetter === 'client' ? (queue, message) => this.deadLetter(queue, message) : undefined,
          globalQos: this.options.globalQos,
          redeclare: async (queue) => {
            const plan = this.topology.plan(queue);
            if (plan) await this.topology.declareQueue({ name: queue, durable: plan.durable, autoDelete: plan.autoDelete, arguments: plan.arguments, deadLetterQueue: plan.deadLetterQueue });
          },
          ended: (ended) => this.sessions.delete(ended),
        });
        this.sessions.add(session);
        return session;
      },
    };
  }

  async purge(queue: string, options: SignalOptions = {}): Promise<number> {
    this.ensureOpen('purge', options.signal);
    return this.ifQueueExists(() => this.admin.run(`purge '${queue}'`, async (channel) => (await channel.purgeQueue(queue)).messageCount, options.signal));
  }

  async size(queue: string, options: SignalOptions = {}): Promise<number> {
    this.ensureOpen('size', options.signal);
    return this.ifQueueExists(() => this.admin.run(`size of '${queue}'`, async (channel) => (await channel.checkQueue(queue)).messageCount, options.signal));
  }

  async deleteQueue(queue: string, options: SignalOptions = {}): Promise<void> {
    this.ensureOpen('deleteQueue', options.signal);
    this.topology.forgetQueue(queue);
    await this.ifQueueExists(() => this.admin.run(`delete '${queue}'`, async (channel) => (await channel.deleteQueue(queue)).messageCount, options.signal));
  }

  async broadcast(exchange: string, routingKey: string, message: TransportMessage, options: SignalOptions = {}): Promise<void> {
    this.ensureOpen('broadcast', options.signal);
    await this.ensureBroadcastExchange(exchange, options.signal);
    // Not mandatory: a broadcast nobody listens to is normal (events with no monitor).
    const publishOptions = toPublishOptions(message, { mandatory: false });
    await this.publisher.publish(exchange, routingKey, asBuffer(message.body), publishOptions, options.signal);
  }

  subscribe(exchange: string, options: SignalOptions = {}): AsyncIterable<BroadcastMessage> {
    return {
      [Symbol.asyncIterator]: () => {
        if (this.closed) throw closedError('subscribe');
        const subscription = new BroadcastSubscription(
          exchange,
          this.connection,
          (signal) => this.ensureBroadcastExchange(exchange, signal),
          options.signal,
          (ended) => this.sessions.delete(ended),
        );
        this.sessions.add(subscription);
        return subscription;
      },
    };
  }

  private async route(options: PublishOptions): Promise<{ exchange: string; routingKey: string; delayed: boolean }> {
    let exchange: string;
    let routingKey: string;
    if (options.queue !== undefined) {
      exchange = '';
      routingKey = options.queue;
    } else if (options.exchange !== undefined) {
      exchange = options.exchange;
      routingKey = options.routingKey ?? '';
    } else {
      throw new TqError(ErrorCodes.INVALID_CONFIG, 'publish: options need a queue, or an exchange and routing key');
    }
    const delayMs = options.delayMs ?? 0;
    if (!(delayMs > 0)) return { exchange, routingKey, delayed: false };
    if (exchange !== '') {
      throw new TqError(
        ErrorCodes.NOT_SUPPORTED,
        `delayed publish to exchange '${exchange}': broker-side delays route to queues only; publish to a queue, or without delayMs`,
        { details: { exchange, routingKey } },
      );
    }
    const key = this.delayed.routingKey(delayMs, routingKey);
    const live = await this.connection.ready('publish', options.signal);
    await this.delayed.prepare(routingKey, live.generation, options.signal);
    return { exchange: this.delayed.entryExchange, routingKey: key, delayed: true };
  }

  /** Client-mode dead-lettering: a confirmed copy in `<queue>.dead`, marked with where and when it was rejected. */
  private async deadLetter(queue: string, message: TransportMessage): Promise<void> {
    const copy: TransportMessage = {
      ...message,
      headers: { ...message.headers, 'x-tq-rejected-from': queue, 'x-tq-rejected-at': new Date().toISOString() },
    };
    const options = toPublishOptions(copy, { mandatory: true, dropExpiration: true });
    for (let attempt = 1; ; attempt += 1) {
      const target = await this.topology.deadLetterQueueFor(queue);
      try {
        await this.publisher.publish('', target, asBuffer(copy.body), options);
        return;
      } catch (error) {
        // Returned as unroutable: the dead-letter queue was deleted since we declared it. Declare it again, once.
        if (attempt > 1 || !TqError.is(error, ErrorCodes.BROKER_REFUSED)) throw error;
        this.topology.forgetDeadLetterQueue(target);
      }
    }
  }

  private async ensureBroadcastExchange(exchange: string, signal?: AbortSignal): Promise<void> {
    try {
      await this.admin.run(`check exchange '${exchange}'`, (channel) => channel.checkExchange(exchange), signal);
    } catch (error) {
      if (!missingEntity((error as Error).cause)) throw error;
      await this.topology.declareExchange({ name: exchange, type: 'fanout', durable: false }, signal);
    }
  }

  private async ifQueueExists(operation: () => Promise<number>): Promise<number> {
    try {
      return await operation();
    } catch (error) {
      if (missingEntity((error as Error).cause)?.kind === 'queue') return 0;
      throw error;
    }
  }

  private ensureOpen(what: string, signal?: AbortSignal): void {
    if (this.closed) throw closedError(what);
    throwIfAborted(signal, what);
  }
}

function asBuffer(body: Uint8Array): Buffer {
  return Buffer.isBuffer(body) ? body : Buffer.from(body.buffer, body.byteOffset, body.byteLength);
}

export function createAmqpTransport(options: AmqpTransportOptions | string = {}): AmqpTransport {
  return new AmqpTransport(typeof options === 'string' ? { url: options } : options);
}

/** For the `tq` command: `amqp://...` / `amqps://...` URLs. */
export const amqpTransport: TransportFactory = (url, options) => createAmqpTransport({ ...(options as AmqpTransportOptions), url });
