import type { PublishItem } from '@tq/core';
import { ErrorCodes, TqError } from '@tq/core';
import type { SqliteConnection } from '../connection.js';
import { exchangeTopic, queueTopic } from '../notifier.js';
import type { ResolvedTransportOptions } from '../options.js';
import { insertBroadcast } from './broadcast.js';
import { encodeMessage, normalizePriority, type StoredMessage } from './message-codec.js';
import { DELAYED, insertMessage, READY } from './message-store.js';
import { route } from './routing.js';

/** A publish validated and encoded outside the transaction, so the write lock is held only for the inserts. */
export interface PreparedPublish {
  stored: StoredMessage;
  /** Set when publishing straight to a queue. */
  queue: string | undefined;
  exchange: string;
  routingKey: string;
  priority: number;
  visibleAt: number;
  expiresAt: number | null;
  /** broadcast(): subscribers get it even when the exchange is not a declared fanout. */
  broadcast: boolean;
}

function delayOf(value: unknown): number {
  return typeof value === 'number' && Number.isFinite(value) && value > 0 ? value : 0;
}

/** TTL from `expiresMs`, else from the AMQP-style `expiration` property (ms as a string), counted from publish. */
function ttlOf(expiresMs: unknown, expiration: unknown): number | undefined {
  if (typeof expiresMs === 'number' && Number.isFinite(expiresMs) && expiresMs >= 0) return expiresMs;
  if (expiration === undefined || expiration === null || expiration === '') return undefined;
  const parsed = Number(expiration);
  return Number.isFinite(parsed) && parsed >= 0 ? parsed : undefined;
}

export function preparePublish(
  item: PublishItem,
  now: number,
  options: ResolvedTransportOptions,
  mode: { broadcast?: boolean } = {},
): PreparedPublish {
  const publishOptions = item?.options ?? {};
  const { message } = item ?? {};
  const queue = publishOptions.queue;
  if (queue !== undefined && (typeof queue !== 'string' || queue === '')) {
    throw new TqError(ErrorCodes.INVALID_CONFIG, 'sqlite: publish queue must be a non-empty string', {
      details: { queue },
    });
  }
  if (queue === undefined && publishOptions.exchange === undefined && publishOptions.routingKey === undefined) {
    throw new TqError(ErrorCodes.INVALID_CONFIG, 'sqlite: publish needs a queue, or an exchange and routing key');
  }
  const override = publishOptions.priority === undefined ? undefined : normalizePriority(publishOptions.priority);
  const stored = encodeMessage(message, override, options.maxMessageBytes);
  const delayMs = delayOf(publishOptions.delayMs);
  const ttl = ttlOf(publishOptions.expiresMs, message.properties?.expiration);
  return {
    stored,
    queue,
    exchange: publishOptions.exchange ?? '',
    routingKey: publishOptions.routingKey ?? queue ?? '',
    priority: override ?? normalizePriority(message.properties?.priority ?? 0),
    visibleAt: now + delayMs,
    expiresAt: ttl === undefined ? null : now + ttl,
    broadcast: mode.broadcast === true,
  };
}

/** Inside the publish transaction: routes and inserts; returns the topics to notify after commit. */
export function writePublish(
  connection: SqliteConnection,
  prepared: readonly PreparedPublish[],
  now: number,
  options: ResolvedTransportOptions,
): Set<string> {
  const topics = new Set<string>();
  for (const item of prepared) {
    let queues: string[];
    let fanout = item.broadcast;
    if (item.queue !== undefined) queues = [item.queue];
    else if (item.broadcast) queues = fanoutQueues(connection, item.exchange);
    else {
      const routed = route(connection, item.exchange, item.routingKey);
      // A declared exchange with no matching binding drops the message, as AMQP does without `mandatory`
      // (an undeclared exchange is refused in route()).
      queues = routed.queues;
      fanout = routed.type === 'fanout';
    }
    for (const queue of queues) {
      insertMessage(connection, {
        ...item.stored,
        queue,
        state: item.visibleAt > now ? DELAYED : READY,
        priority: cappedPriority(connection, queue, item.priority),
        visible_at: item.visibleAt,
        expires_at: item.expiresAt,
        exchange: item.exchange,
        routing_key: item.routingKey,
      });
      topics.add(queueTopic(queue)); // delayed too: waiting consumers then re-read the next due time
    }
    if (fanout) {
      insertBroadcast(connection, item.exchange, item.routingKey, item.stored, now, options.broadcastRetentionMs);
      topics.add(exchangeTopic(item.exchange));
    }
  }
  return topics;
}

/** A queue declared with maxPriority caps priorities to it, as AMQP's x-max-priority does. */
function cappedPriority(connection: SqliteConnection, queue: string, priority: number): number {
  if (priority === 0) return 0;
  const max = connection.statement('SELECT max_priority FROM tq_queues WHERE name = ?').pluck().get(queue) as
    | number
    | null
    | undefined;
  return typeof max === 'number' ? Math.min(priority, max) : priority;
}

/** Queues bound to `exchange` when it is a declared fanout exchange (broadcast reaches them too, as in AMQP). */
function fanoutQueues(connection: SqliteConnection, exchange: string): string[] {
  const type = connection.statement('SELECT type FROM tq_exchanges WHERE name = ?').pluck().get(exchange);
  return type === 'fanout' ? route(connection, exchange, '').queues : [];
}
