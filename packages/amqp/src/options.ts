import { ErrorCodes, TqError } from '@tq/core';

/** How rejected-without-requeue messages reach the dead-letter queue. See README "Dead letters". */
export type DeadLetterMode = 'client' | 'broker' | 'off';

export interface ReconnectOptions {
  /** First delay before reconnecting. @default 100 */
  initialDelayMs?: number;
  /** Longest delay between attempts. @default 10_000 */
  maxDelayMs?: number;
  /** Give up after this many failed attempts in a row; consumers then fail with TQ_CONNECTION_LOST. @default Infinity */
  maxAttempts?: number;
}

export interface AmqpTransportOptions {
  /** `amqp://user:pass@host:port/vhost?heartbeat=60&frame_max=131072&channel_max=0`, or `amqps://`. @default amqp://guest:guest@localhost:5672// */
  url?: string;
  /** Queue type for queues this transport declares (a declaration's `x-queue-type` argument wins). @default 'classic' */
  queueType?: 'classic' | 'quorum';
  /** Quorum queues: deliveries before the broker dead-letters (broker mode) or drops the message (`x-delivery-limit`). */
  deliveryLimit?: number;
  /**
   * `client` (default): the transport copies a rejected message to `<queue>.dead` (confirmed) and then acks it, so
   * queues carry no dead-letter arguments and match what Python Celery declares. `broker`: queues are declared with
   * `x-dead-letter-exchange`/`-routing-key` (RabbitMQ moves rejected, expired and over-delivery-limit messages);
   * a queue Celery declared without them then fails with TQ_BROKER_REFUSED. `off`: rejected messages are dropped.
   * @default 'client'
   */
  deadLetter?: DeadLetterMode;
  /**
   * Which publishes the broker must route or return (AMQP `mandatory`), failing with TQ_BROKER_REFUSED:
   * `queue` (default): publishes addressed to a queue (a missing queue is a mistake; nothing is lost silently);
   * exchange publishes follow AMQP, where a routing key no binding matches is dropped. `always`: exchange
   * publishes too. `never`: plain AMQP everywhere. Broadcasts are never mandatory.
   * @default 'queue'
   */
  mandatory?: 'queue' | 'always' | 'never';
  /** Also declare a direct exchange named like each durable queue, bound with the queue name, as Celery does. @default true */
  declareQueueExchange?: boolean;
  /** How long connect(), declarations and publishes wait for a lost connection to come back. @default 30_000 */
  connectionTimeoutMs?: number;
  /** How long a sent publish waits for the broker's confirm before failing with TQ_TIMEOUT. @default 30_000 */
  confirmTimeoutMs?: number;
  reconnect?: ReconnectOptions;
  /** Refuse bodies larger than this before sending (RabbitMQ 3.x `max_message_size` default: 128 MiB; 4.x: 16 MiB). @default 134_217_728 */
  maxMessageBytes?: number;
  /** Names and queue type of the delayed-delivery topology. */
  delayed?: { prefix?: string; queueType?: 'classic' | 'quorum' };
  /** One prefetch limit shared by every queue of a `consume()` (AMQP global QoS). Classic queues only. @default false */
  globalQos?: boolean;
  /** Shown in RabbitMQ's connection list. @default 'tq' */
  connectionName?: string;
  /** Extra TLS/socket options for amqps (merged over what the URL says). */
  socketOptions?: Record<string, unknown>;
}

export interface ResolvedTransportOptions {
  url: string;
  queueType: 'classic' | 'quorum';
  deliveryLimit: number | undefined;
  deadLetter: DeadLetterMode;
  mandatory: 'queue' | 'always' | 'never';
  declareQueueExchange: boolean;
  connectionTimeoutMs: number;
  confirmTimeoutMs: number;
  reconnect: Required<ReconnectOptions>;
  maxMessageBytes: number;
  delayedPrefix: string;
  delayedQueueType: 'classic' | 'quorum';
  globalQos: boolean;
  connectionName: string;
  socketOptions: Record<string, unknown>;
}

export const RABBITMQ_DEFAULT_MAX_MESSAGE_BYTES = 134_217_728;

const CHOICES: Record<string, readonly string[]> = {
  queueType: ['classic', 'quorum'],
  deadLetter: ['client', 'broker', 'off'],
  mandatory: ['queue', 'always', 'never'],
};

export function resolveTransportOptions(options: AmqpTransportOptions = {}): ResolvedTransportOptions {
  for (const [key, allowed] of Object.entries(CHOICES)) {
    const value = (options as Record<string, unknown>)[key];
    if (value !== undefined && !allowed.includes(value as string)) {
      throw new TqError(ErrorCodes.INVALID_CONFIG, `amqp transport option ${key} must be one of ${allowed.join(', ')}; got ${String(value)}`);
    }
  }
  for (const key of ['connectionTimeoutMs', 'confirmTimeoutMs', 'maxMessageBytes', 'deliveryLimit'] as const) {
    const value = options[key];
    if (value !== undefined && !(typeof value === 'number' && value > 0)) {
      throw new TqError(ErrorCodes.INVALID_CONFIG, `amqp transport option ${key} must be a positive number; got ${String(value)}`);
    }
  }
  return {
    url: options.url ?? 'amqp://guest:guest@localhost:5672//',
    queueType: options.queueType ?? 'classic',
    deliveryLimit: options.deliveryLimit,
    deadLetter: options.deadLetter ?? 'client',
    mandatory: options.mandatory ?? 'queue',
    declareQueueExchange: options.declareQueueExchange ?? true,
    connectionTimeoutMs: options.connectionTimeoutMs ?? 30_000,
    confirmTimeoutMs: options.confirmTimeoutMs ?? 30_000,
    reconnect: {
      initialDelayMs: options.reconnect?.initialDelayMs ?? 100,
      maxDelayMs: options.reconnect?.maxDelayMs ?? 10_000,
      maxAttempts: options.reconnect?.maxAttempts ?? Number.POSITIVE_INFINITY,
    },
    maxMessageBytes: options.maxMessageBytes ?? RABBITMQ_DEFAULT_MAX_MESSAGE_BYTES,
    delayedPrefix: options.delayed?.prefix ?? 'tq.delayed',
    delayedQueueType: options.delayed?.queueType ?? 'classic',
    globalQos: options.globalQos ?? false,
    connectionName: options.connectionName ?? 'tq',
    socketOptions: options.socketOptions ?? {},
  };
}
