import type { BroadcastMessage, PublishOptions, TransportMessage } from '../contracts/index.js';
import { ErrorCodes, TqError } from '../errors/index.js';
import type { MemoryBroker } from './memory-broker.js';
import type { MemoryQueue } from './memory-queue.js';
import { copyForDelivery, copyForStorage, messageBytes } from './message-copy.js';

const HIGHEST_PRIORITY = 255;

/**
 * Checks a publish completely and returns the function that carries it out. Nothing is routed until every check
 * passed, which lets publishBatch refuse a batch with one bad item without publishing half of it.
 *
 * Routing: `exchange` (non-empty) routes by the exchange's bindings and reaches its broadcast subscribers; an
 * unroutable message is dropped, as AMQP does without `mandatory`. Otherwise `queue` (or, with the default
 * exchange `''`, the routing key) names the queue, created on first use.
 */
export function planPublish(
  broker: MemoryBroker,
  message: TransportMessage,
  options: PublishOptions,
  maxMessageBytes: number,
  declareFanout = false,
): () => void {
  const stored = copyForStorage(message);
  const bytes = messageBytes(stored);
  if (bytes > maxMessageBytes) {
    throw new TqError(ErrorCodes.MESSAGE_TOO_LARGE, `message of ${bytes} bytes exceeds the limit of ${maxMessageBytes}`, {
      details: { bytes, maxMessageBytes },
    });
  }
  const delayMs = optionalMs(options.delayMs, 'delayMs');
  const expiresMs = optionalMs(options.expiresMs, 'expiresMs');
  const priority = clampPriority(options.priority ?? stored.properties.priority, HIGHEST_PRIORITY);

  if (typeof options.exchange === 'string' && options.exchange.length > 0) {
    const exchange = options.exchange;
    const routingKey = options.routingKey ?? '';
    if (declareFanout && !broker.hasExchange(exchange)) broker.declareExchange({ name: exchange, type: 'fanout' });
    const { queues, subscribers } = broker.route(exchange, routingKey);
    return () => {
      for (const queue of queues) enqueue(queue, { stored, exchange, routingKey, priority, delayMs, expiresMs });
      for (const subscriber of subscribers) {
        const broadcast: BroadcastMessage = { exchange, routingKey, message: copyForDelivery(stored) };
        subscriber(broadcast);
      }
    };
  }

  const queueName = options.queue ?? (options.exchange === '' ? options.routingKey : undefined);
  if (typeof queueName !== 'string' || queueName.length === 0) {
    throw new TqError(ErrorCodes.INVALID_CONFIG, 'publish needs options.queue, or options.exchange with a routingKey');
  }
  return () => {
    const queue = broker.queue(queueName);
    enqueue(queue, { stored, exchange: '', routingKey: queueName, priority, delayMs, expiresMs });
  };
}

function enqueue(
  queue: MemoryQueue,
  fields: {
    stored: TransportMessage;
    exchange: string;
    routingKey: string;
    priority: number;
    delayMs: number | undefined;
    expiresMs: number | undefined;
  },
): void {
  const { maxPriority } = queue.declaration;
  queue.enqueue(
    {
      message: fields.stored,
      exchange: fields.exchange,
      routingKey: fields.routingKey,
      // A queue declared with maxPriority caps priorities to it, as AMQP's x-max-priority does.
      priority: maxPriority === undefined ? fields.priority : Math.min(fields.priority, maxPriority),
      expiresMs: fields.expiresMs,
      expiresAt: undefined,
      deliveryCount: 0,
    },
    fields.delayMs,
  );
}

function optionalMs(value: unknown, name: string): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw new TqError(ErrorCodes.INVALID_CONFIG, `${name} must be a finite number of milliseconds, got ${String(value)}`);
  }
  return Math.max(0, value);
}

function clampPriority(value: unknown, highest: number): number {
  const number = typeof value === 'number' ? value : Number(value ?? 0);
  if (!Number.isFinite(number)) return 0;
  return Math.min(Math.max(Math.round(number), 0), highest);
}
