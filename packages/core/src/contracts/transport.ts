import type { TransportCapabilities } from './capabilities.js';
import type { TransportMessage } from './message.js';

/** Options every blocking call takes. */
export interface SignalOptions {
  signal?: AbortSignal;
}

export type ExchangeType = 'direct' | 'topic' | 'fanout';

export interface QueueDeclaration {
  name: string;
  /** Survives a broker restart (default true). */
  durable?: boolean;
  /** Declare priority support with this many levels (AMQP `x-max-priority`). */
  maxPriority?: number;
  /** Where rejected-without-requeue messages go. Transports with deadLetter pick a default (`<name>.dead`). */
  deadLetterQueue?: string;
  /** Delete the queue when its last consumer goes (broadcast queues). */
  autoDelete?: boolean;
  /** Broker-specific arguments (AMQP `x-queue-type`, SQS attributes, ...). */
  arguments?: Record<string, unknown>;
}

export interface ExchangeDeclaration {
  name: string;
  type: ExchangeType;
  durable?: boolean;
}

export interface Binding {
  exchange: string;
  queue: string;
  /** Routing key (direct) or pattern with `*` and `#` (topic); ignored for fanout. */
  routingKey: string;
}

export interface PublishOptions extends SignalOptions {
  /** Publish straight to this queue (AMQP: default exchange with the queue name as routing key). */
  queue?: string;
  /** Or publish to an exchange with a routing key. */
  exchange?: string;
  routingKey?: string;
  /** Overrides `message.properties.priority`. */
  priority?: number;
  /** Hold the message back this long before it can be delivered (requires capabilities.delayedDelivery). */
  delayMs?: number;
  /** Drop the message if it is not delivered within this many ms (brokers with nativeTtl). */
  expiresMs?: number;
}

export interface PublishItem {
  message: TransportMessage;
  options: PublishOptions;
}

export interface ConsumeOptions extends SignalOptions {
  /**
   * Most deliveries outstanding (yielded but not yet acked or rejected) at once. The transport fetches no more
   * while that many are outstanding. Default 1.
   */
  prefetch?: number;
}

/** One message handed to a consumer. Exactly one of ack/reject must be called, once. */
export interface Delivery {
  readonly message: TransportMessage;
  /** The queue it was consumed from. */
  readonly queue: string;
  /** True when the broker delivered it before (a previous consumer died or rejected it with requeue). */
  readonly redelivered: boolean;
  /** How many times it has been delivered, where the broker counts (1 on first delivery), else undefined. */
  readonly deliveryCount: number | undefined;
  /**
   * Length of the lease this delivery holds, where the broker leases (capabilities.visibilityTimeout). The worker
   * renews it well within this time with `extend(leaseMs)` while it holds the message.
   */
  readonly leaseMs?: number;
  /** Remove the message for good. */
  ack(): Promise<void>;
  /** Give it back (requeue true) or dead-letter / drop it (requeue false, the default). */
  reject(options?: { requeue?: boolean }): Promise<void>;
  /** Push the lease out by `ms` from now, where capabilities.extendLease. */
  extend?(ms: number): Promise<void>;
}

export interface BroadcastMessage {
  exchange: string;
  routingKey: string;
  message: TransportMessage;
}

/**
 * A Transport moves messages and nothing else: it never decodes a body. Implementations must be safe to use from
 * concurrent async callers. Consumption is pull-based: `consume` returns an AsyncIterable that yields until its
 * signal aborts or the transport closes; when it stops, deliveries it fetched but did not yield go back to the
 * queue (warm shutdown loses nothing).
 */
export interface Transport extends AsyncDisposable {
  readonly capabilities: Readonly<TransportCapabilities>;
  /** Open connections. Idempotent; publish/consume call it themselves when needed. */
  connect(options?: SignalOptions): Promise<void>;
  /** Close connections. `force` skips waiting for in-flight publishes. Idempotent. */
  close(options?: { force?: boolean }): Promise<void>;

  declareQueue(queue: QueueDeclaration, options?: SignalOptions): Promise<void>;
  declareExchange(exchange: ExchangeDeclaration, options?: SignalOptions): Promise<void>;
  bindQueue(binding: Binding, options?: SignalOptions): Promise<void>;

  /** Resolves once the broker has the message (confirmed where the broker confirms). */
  publish(message: TransportMessage, options: PublishOptions): Promise<void>;
  /** Publish many; resolves when all are confirmed. May be implemented as a loop where the broker has no batch. */
  publishBatch(items: readonly PublishItem[], options?: SignalOptions): Promise<void>;

  consume(queues: readonly string[], options?: ConsumeOptions): AsyncIterable<Delivery>;

  /** Remove every ready message; returns how many. */
  purge(queue: string, options?: SignalOptions): Promise<number>;
  /** Ready messages (excluding those leased to consumers where the broker can tell). */
  size(queue: string, options?: SignalOptions): Promise<number>;
  /** Delete a queue and its messages (tests, broadcast cleanup). */
  deleteQueue(queue: string, options?: SignalOptions): Promise<void>;

  /** Publish to every subscriber of a fanout exchange (events, remote control). Requires capabilities.fanout. */
  broadcast(exchange: string, routingKey: string, message: TransportMessage, options?: SignalOptions): Promise<void>;
  /** Receive what is broadcast on an exchange from now on. Requires capabilities.fanout. */
  subscribe(exchange: string, options?: SignalOptions): AsyncIterable<BroadcastMessage>;
}

/** Builds a transport from a URL; adapters export one so the `tq` command can compose them. */
export type TransportFactory = (url: string, options?: Record<string, unknown>) => Transport;
