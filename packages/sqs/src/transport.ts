import {
  ErrorCodes,
  TqError,
  throwIfAborted,
  type Binding,
  type BroadcastMessage,
  type ConsumeOptions,
  type Delivery,
  type ExchangeDeclaration,
  type PublishItem,
  type PublishOptions,
  type QueueDeclaration,
  type SignalOptions,
  type Transport,
  type TransportCapabilities,
  type TransportMessage,
} from '@tq/core';
import { sqsCapabilities } from './capabilities.js';
import { SqsConsumer, type ConsumerHost } from './consumer.js';
import { SqsDelivery } from './delivery.js';
import { EntryBatcher } from './entry-batcher.js';
import { LeaseKeeper } from './lease-keeper.js';
import { resolveOptions, type ResolvedSqsOptions, type SqsTransportOptions } from './options.js';
import { prepareMessage, sendAll, type PreparedMessage } from './publisher.js';
import { defaultDeadLetterName, sqsQueueName } from './queue-names.js';
import { QueueRegistry, type QueueInfo } from './queue-registry.js';
import { DirectRouter } from './router.js';
import { drainQueue } from './drain.js';
import { awsNameOf, SqsApi, type SqsMessage } from './sqs-api.js';

/** Above this many ready messages, `purge` uses PurgeQueue (asynchronous, up to 60 s) instead of receive-and-delete. */
const DRAIN_LIMIT = 1000;

/** Transport over Amazon SQS with kombu's message format. See the package README for the design. */
export class SqsTransport implements Transport {
  readonly capabilities: Readonly<TransportCapabilities>;
  readonly options: ResolvedSqsOptions;
  private readonly api: SqsApi;
  private readonly registry: QueueRegistry;
  private readonly batcher: EntryBatcher;
  private readonly leases: LeaseKeeper;
  private readonly router = new DirectRouter();
  private readonly consumers = new Set<SqsConsumer>();
  private readonly publishing = new Set<Promise<unknown>>();
  private readonly host: ConsumerHost;
  private state: 'new' | 'open' | 'closed' = 'new';
  private connecting: Promise<void> | undefined;
  private closing: Promise<void> | undefined;

  constructor(options: SqsTransportOptions = {}) {
    this.options = resolveOptions(options);
    this.capabilities = sqsCapabilities(this.options.maxMessageBytes);
    this.api = new SqsApi(this.options);
    this.registry = new QueueRegistry(this.api, this.options);
    this.batcher = new EntryBatcher(this.api, this.options.batchFlushMs);
    this.leases = new LeaseKeeper(this.options.visibilityTimeoutSeconds, this.options.autoExtend, this.options.logger);
    this.host = {
      api: this.api,
      batcher: this.batcher,
      registry: this.registry,
      options: this.options,
      logger: this.options.logger,
      newDelivery: (info, raw, message, receivedAt, onSettled) => this.newDelivery(info, raw, message, receivedAt, onSettled),
      forget: (consumer) => this.consumers.delete(consumer),
    };
  }

  async connect(options: SignalOptions = {}): Promise<void> {
    throwIfAborted(options.signal, 'connecting to SQS');
    if (this.state === 'closed') throw new TqError(ErrorCodes.CLOSED, 'the SQS transport is closed');
    if (this.state === 'open') return;
    this.connecting ??= this.api.probe(this.options.queuePrefix).then(
      () => {
        if (this.state === 'new') this.state = 'open';
      },
      (error: unknown) => {
        this.connecting = undefined;
        throw error;
      },
    );
    await this.connecting;
  }

  close(options: { force?: boolean } = {}): Promise<void> {
    if (this.closing) return this.closing;
    this.state = 'closed';
    this.closing = (async () => {
      const consumers = [...this.consumers];
      for (const consumer of consumers) consumer.halt();
      await Promise.allSettled(consumers.map((consumer) => consumer.stop()));
      if (!options.force) await Promise.allSettled([...this.publishing]);
      // Messages still held (a cold shutdown) go back now rather than when their leases end.
      await Promise.all(this.leases.unsettled().map((delivery) => delivery.release()));
      await this.batcher.close();
      this.leases.stop();
      this.api.close();
    })();
    return this.closing;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  async declareQueue(queue: QueueDeclaration, options: SignalOptions = {}): Promise<void> {
    await this.ready(options.signal);
    // SQS has no priorities, auto-delete or transient queues: maxPriority, autoDelete and durable are ignored.
    await this.registry.resolve(queue.name, queue, options.signal);
  }

  async declareExchange(exchange: ExchangeDeclaration, options: SignalOptions = {}): Promise<void> {
    await this.ready(options.signal);
    this.router.declare(exchange);
  }

  async bindQueue(binding: Binding, options: SignalOptions = {}): Promise<void> {
    await this.ready(options.signal);
    await this.registry.resolve(binding.queue, undefined, options.signal);
    this.router.bind(binding);
  }

  publish(message: TransportMessage, options: PublishOptions): Promise<void> {
    return this.track(async () => {
      await this.ready(options.signal);
      const target = this.router.route(options);
      if (target.queues.length === 0) this.unroutable(target);
      for (const queue of target.queues) {
        const info = await this.registry.resolve(queue, undefined, options.signal);
        const prepared = prepareMessage(info, message, target, options.delayMs, this.options);
        await this.api.send(info.url, prepared.entry, options.signal);
      }
    });
  }

  publishBatch(items: readonly PublishItem[], options: SignalOptions = {}): Promise<void> {
    return this.track(async () => {
      await this.ready(options.signal);
      const groups = new Map<string, { info: QueueInfo; prepared: PreparedMessage[] }>();
      for (const { message, options: publishOptions } of items) {
        const target = this.router.route(publishOptions);
        if (target.queues.length === 0) this.unroutable(target);
        for (const queue of target.queues) {
          const info = await this.registry.resolve(queue, undefined, options.signal);
          let group = groups.get(info.url);
          if (!group) {
            group = { info, prepared: [] };
            groups.set(info.url, group);
          }
          group.prepared.push(prepareMessage(info, message, target, publishOptions.delayMs, this.options));
        }
      }
      await Promise.all(
        [...groups.values()].map((group) => sendAll(this.api, group.info, group.prepared, this.options.maxMessageBytes, options.signal)),
      );
    });
  }

  consume(queues: readonly string[], options: ConsumeOptions = {}): AsyncIterable<Delivery> {
    if (queues.length === 0) throw new TqError(ErrorCodes.INVALID_CONFIG, 'consume needs at least one queue');
    const prefetch = Math.max(1, Math.floor(options.prefetch ?? 1));
    const transport = this;
    return {
      async *[Symbol.asyncIterator]() {
        if (options.signal?.aborted) return;
        await transport.ready(options.signal);
        if (transport.state === 'closed') return; // closed while connecting
        const consumer = new SqsConsumer(transport.host, [...queues], prefetch, options.signal);
        transport.consumers.add(consumer);
        yield* consumer.deliveries();
      },
    };
  }

  async purge(queue: string, options: SignalOptions = {}): Promise<number> {
    await this.ready(options.signal);
    const info = await this.registry.find(queue, options.signal);
    if (!info) return 0;
    const ready = await this.readyCount(info, options.signal);
    if (ready <= DRAIN_LIMIT) return drainQueue(this.api, info, ready, options.signal);
    try {
      await this.api.purge(info.url, options.signal);
      return ready;
    } catch (error) {
      // PurgeQueue is allowed once a minute per queue; empty it by hand meanwhile.
      if (awsNameOf(error) !== 'PurgeQueueInProgress') throw error;
      return drainQueue(this.api, info, ready, options.signal);
    }
  }

  async size(queue: string, options: SignalOptions = {}): Promise<number> {
    await this.ready(options.signal);
    const info = await this.registry.find(queue, options.signal);
    return info ? this.readyCount(info, options.signal) : 0;
  }

  async deleteQueue(queue: string, options: SignalOptions = {}): Promise<void> {
    await this.ready(options.signal);
    const info = await this.registry.find(queue, options.signal);
    this.registry.forget(queue);
    if (!info) return;
    await this.deleteIfExists(info.url, options.signal);
    // tq's own default dead-letter queue goes with its queue; a dead-letter queue named by the user stays.
    const defaultDeadLetter = sqsQueueName(defaultDeadLetterName(queue), this.options.queuePrefix);
    if (info.deadLetter?.sqsName === defaultDeadLetter) await this.deleteIfExists(info.deadLetter.url, options.signal);
  }

  broadcast(exchange: string): Promise<void> {
    return Promise.reject(notSupported(`broadcast to ${exchange}`));
  }

  subscribe(exchange: string): AsyncIterable<BroadcastMessage> {
    throw notSupported(`subscribe to ${exchange}`);
  }

  private async ready(signal: AbortSignal | undefined): Promise<void> {
    throwIfAborted(signal, 'SQS operation');
    if (this.state === 'closed') throw new TqError(ErrorCodes.CLOSED, 'the SQS transport is closed');
    if (this.state !== 'open') await this.connect({ signal });
  }

  private unroutable(target: { exchange: string; routingKey: string }): void {
    this.options.logger.warn('dropped a message no queue is bound to receive (as AMQP does)', {
      exchange: target.exchange,
      routingKey: target.routingKey,
    });
  }

  private track<T>(run: () => Promise<T>): Promise<T> {
    const pending = run();
    this.publishing.add(pending);
    pending.then(
      () => this.publishing.delete(pending),
      () => this.publishing.delete(pending),
    );
    return pending;
  }

  private async readyCount(info: QueueInfo, signal: AbortSignal | undefined): Promise<number> {
    const attributes = await this.api.getAttributes(info.url, ['ApproximateNumberOfMessages'], signal);
    return Number(attributes.ApproximateNumberOfMessages ?? 0);
  }

  private async deleteIfExists(url: string, signal: AbortSignal | undefined): Promise<void> {
    try {
      await this.api.deleteQueue(url, signal);
    } catch (error) {
      if (awsNameOf(error) !== 'QueueDoesNotExist') throw error;
    }
  }

  private newDelivery(info: QueueInfo, raw: SqsMessage, message: TransportMessage, receivedAt: number, onSettled: () => void): SqsDelivery {
    const delivery = new SqsDelivery(
      {
        api: this.api,
        batcher: this.batcher,
        logger: this.options.logger,
        onSettled: (settled) => {
          this.leases.remove(settled);
          onSettled();
        },
      },
      info,
      raw,
      message,
      receivedAt,
      this.options.visibilityTimeoutSeconds,
    );
    this.leases.add(delivery);
    return delivery;
  }
}

function notSupported(what: string): TqError {
  return new TqError(ErrorCodes.NOT_SUPPORTED, `SQS has no fanout exchanges: cannot ${what} (capabilities.fanout is false)`);
}
