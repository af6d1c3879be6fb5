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
  TransportMessage,
} from '@tq/core';
import { defineTransportCapabilities, ErrorCodes, sharedAbortController, throwIfAborted, TqError } from '@tq/core';
import { acquireConnection, type SqliteConnection } from '../connection.js';
import { closedError, guarded } from '../errors.js';
import { queueTopic } from '../notifier.js';
import { type ResolvedTransportOptions, resolveTransportOptions, type SqliteTransportOptions } from '../options.js';
import { latestBroadcastId, readBroadcasts } from './broadcast.js';
import { type ConsumerHost, QueueConsumer } from './consumer.js';
import { countReady, purgeQueue } from './message-store.js';
import { type PreparedPublish, preparePublish, writePublish } from './publish.js';

/**
 * Transport on one SQLite file. Every operation is a short synchronous statement or BEGIN IMMEDIATE transaction on
 * the process's shared connection; consumers wait without busy-waiting (see ChangePoller).
 */
export class SqliteTransport implements Transport {
  readonly capabilities: Readonly<TransportCapabilities>;
  readonly options: ResolvedTransportOptions;
  readonly #closing = sharedAbortController();
  readonly #consumers = new Set<QueueConsumer>();
  /** What consumers need from the transport, kept off its public surface. */
  readonly #host: ConsumerHost;
  #connection: SqliteConnection | undefined;
  #closed = false;

  constructor(input: string | SqliteTransportOptions, extra?: Partial<SqliteTransportOptions>) {
    this.options = resolveTransportOptions(input, extra);
    this.#host = {
      leaseMs: () => this.options.visibilityTimeoutMs,
      pollInterval: this.options,
      closing: this.#closing.signal,
      forget: (consumer) => this.#consumers.delete(consumer),
    };
    const onDisk = this.options.location.kind === 'file';
    this.capabilities = defineTransportCapabilities({
      delayedDelivery: true,
      maxDelayMs: Number.POSITIVE_INFINITY,
      priorities: true,
      maxPriority: 255,
      visibilityTimeout: true,
      extendLease: true,
      deadLetter: true,
      fanout: true,
      topic: true,
      maxMessageBytes: this.options.maxMessageBytes,
      nativeTtl: true,
      push: false,
      durable: onDisk,
      multiProcess: onDisk,
    });
  }

  #open(what: string, signal?: AbortSignal): SqliteConnection {
    if (this.#closed) throw closedError('transport', what);
    throwIfAborted(signal, `sqlite ${what}`);
    this.#connection ??= acquireConnection(this.options);
    return this.#connection;
  }

  async connect(options: SignalOptions = {}): Promise<void> {
    this.#open('connect', options.signal);
  }

  async close(_options: { force?: boolean } = {}): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#connection?.batcher.flush(); // acks given before close are kept
    for (const consumer of this.#consumers) consumer.releaseAll();
    this.#consumers.clear();
    this.#closing.abort(closedError('transport', 'close'));
    this.#connection?.release();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  async declareQueue(queue: QueueDeclaration, options: SignalOptions = {}): Promise<void> {
    const connection = this.#open('declareQueue', options.signal);
    requireName(queue?.name, 'queue');
    connection.write('declare queue', () =>
      connection
        .statement(
          `INSERT INTO tq_queues (name, dead_letter_queue, max_priority, durable, auto_delete) VALUES (?, ?, ?, ?, ?)
           ON CONFLICT(name) DO UPDATE SET dead_letter_queue = excluded.dead_letter_queue,
             max_priority = excluded.max_priority, durable = excluded.durable, auto_delete = excluded.auto_delete`,
        )
        .run(
          queue.name,
          queue.deadLetterQueue ?? null,
          queue.maxPriority ?? null,
          queue.durable === false ? 0 : 1,
          queue.autoDelete ? 1 : 0,
        ),
    );
  }

  async declareExchange(exchange: ExchangeDeclaration, options: SignalOptions = {}): Promise<void> {
    const connection = this.#open('declareExchange', options.signal);
    requireName(exchange?.name, 'exchange');
    if (!['direct', 'topic', 'fanout'].includes(exchange.type)) {
      throw new TqError(ErrorCodes.NOT_SUPPORTED, `sqlite: exchange type "${exchange.type}" is not supported`);
    }
    connection.immediate('declare exchange', () => {
      const existing = connection.statement('SELECT type FROM tq_exchanges WHERE name = ?').pluck().get(exchange.name);
      if (existing !== undefined && existing !== exchange.type) {
        throw new TqError(
          ErrorCodes.BROKER_REFUSED,
          `sqlite: exchange "${exchange.name}" exists with type ${String(existing)}, not ${exchange.type}`,
          { details: { exchange: exchange.name } },
        );
      }
      connection
        .statement('INSERT OR IGNORE INTO tq_exchanges (name, type, durable) VALUES (?, ?, ?)')
        .run(exchange.name, exchange.type, exchange.durable === false ? 0 : 1);
    });
  }

  async bindQueue(binding: Binding, options: SignalOptions = {}): Promise<void> {
    const connection = this.#open('bindQueue', options.signal);
    requireName(binding?.exchange, 'exchange');
    requireName(binding.queue, 'queue');
    connection.immediate('bind queue', () => {
      const exists = connection.statement('SELECT 1 FROM tq_exchanges WHERE name = ?').pluck().get(binding.exchange);
      if (exists === undefined) {
        throw new TqError(ErrorCodes.BROKER_REFUSED, `sqlite: exchange "${binding.exchange}" is not declared`, {
          details: { exchange: binding.exchange },
        });
      }
      connection
        .statement('INSERT OR IGNORE INTO tq_bindings (exchange, routing_key, queue) VALUES (?, ?, ?)')
        .run(binding.exchange, binding.routingKey ?? '', binding.queue);
    });
  }

  async publish(message: TransportMessage, options: PublishOptions): Promise<void> {
    await this.publishBatch([{ message, options }], { signal: options?.signal });
  }

  /** All items in one transaction: they are all stored, or (on error) none is. */
  async publishBatch(items: readonly PublishItem[], options: SignalOptions = {}): Promise<void> {
    const connection = this.#open('publish', options.signal);
    for (const item of items) throwIfAborted(item.options?.signal, 'sqlite publish');
    if (items.length === 0) return;
    const now = Date.now();
    const prepared: PreparedPublish[] = items.map((item) => preparePublish(item, now, this.options));
    // Through the group commit: concurrent publishes of one event-loop turn share a transaction; a publishBatch is
    // one unit in it, stored entirely or not at all.
    await connection.batcher.run(
      () => writePublish(connection, prepared, now, this.options),
      (woken) => {
        for (const topic of woken) connection.notifier.notify(topic);
      },
    );
  }

  consume(queues: readonly string[], options: ConsumeOptions = {}): AsyncIterable<Delivery> {
    const connection = this.#open('consume');
    if (!Array.isArray(queues) || queues.length === 0) {
      throw new TqError(ErrorCodes.INVALID_CONFIG, 'sqlite: consume needs at least one queue');
    }
    for (const queue of queues) requireName(queue, 'queue');
    const prefetch = options.prefetch ?? 1;
    if (!Number.isInteger(prefetch) || prefetch < 1) {
      throw new TqError(ErrorCodes.INVALID_CONFIG, 'sqlite: prefetch must be a positive integer', {
        details: { prefetch },
      });
    }
    const unique = [...new Set(queues)];
    // Each iteration gets its own consumer (its own prefetch window), registered so close() can release it.
    return {
      [Symbol.asyncIterator]: () => {
        if (this.#closed) throw closedError('transport', 'consume');
        const consumer = new QueueConsumer(this.#host, connection, unique, prefetch, options.signal);
        this.#consumers.add(consumer);
        return consumer.run();
      },
    };
  }

  async purge(queue: string, options: SignalOptions = {}): Promise<number> {
    const connection = this.#open('purge', options.signal);
    return connection.write('purge', () => purgeQueue(connection, queue, Date.now()));
  }

  async size(queue: string, options: SignalOptions = {}): Promise<number> {
    const connection = this.#open('size', options.signal);
    return guarded('size', () => countReady(connection, queue, Date.now()));
  }

  async deleteQueue(queue: string, options: SignalOptions = {}): Promise<void> {
    const connection = this.#open('deleteQueue', options.signal);
    connection.immediate('delete queue', () => {
      connection.statement('DELETE FROM tq_messages WHERE queue = ?').run(queue);
      connection.statement('DELETE FROM tq_bindings WHERE queue = ?').run(queue);
      connection.statement('DELETE FROM tq_queues WHERE name = ?').run(queue);
    });
    connection.notifier.notify(queueTopic(queue));
  }

  async broadcast(
    exchange: string,
    routingKey: string,
    message: TransportMessage,
    options: SignalOptions = {},
  ): Promise<void> {
    const connection = this.#open('broadcast', options.signal);
    requireName(exchange, 'exchange');
    const now = Date.now();
    const item: PublishItem = { message, options: { exchange, routingKey } };
    const prepared = preparePublish(item, now, this.options, { broadcast: true });
    const woken = connection.immediate('broadcast', () => writePublish(connection, [prepared], now, this.options));
    for (const topic of woken) connection.notifier.notify(topic);
  }

  subscribe(exchange: string, options: SignalOptions = {}): AsyncIterable<BroadcastMessage> {
    const connection = this.#open('subscribe', options.signal);
    requireName(exchange, 'exchange');
    // The starting point is taken now, not at the first next(): "from now on" means from this call.
    const afterId = guarded('subscribe', () => latestBroadcastId(connection));
    const stop = options.signal ? AbortSignal.any([options.signal, this.#closing.signal]) : this.#closing.signal;
    return { [Symbol.asyncIterator]: () => readBroadcasts(connection, exchange, afterId, stop, this.options) };
  }
}

function requireName(name: unknown, what: string): asserts name is string {
  if (typeof name !== 'string' || name === '') {
    throw new TqError(ErrorCodes.INVALID_CONFIG, `sqlite: a ${what} name must be a non-empty string`, {
      details: { name },
    });
  }
}

export function sqliteTransport(
  input: string | SqliteTransportOptions,
  extra?: Partial<SqliteTransportOptions>,
): SqliteTransport {
  return new SqliteTransport(input, extra);
}
