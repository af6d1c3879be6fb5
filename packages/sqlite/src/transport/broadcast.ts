import type { BroadcastMessage } from '@tq/core';
import type { SqliteConnection } from '../connection.js';
import { exchangeTopic } from '../notifier.js';
import { ChangePoller, type PollInterval } from '../poller.js';
import { decodeMessage, type StoredMessage } from './message-codec.js';

/**
 * Fanout for events and remote control: a broadcast is one row in tq_broadcasts, kept for broadcastRetentionMs.
 * Each subscriber remembers the last id it saw (starting at the newest id when it subscribed) and reads newer rows
 * of its exchange, so every subscriber in every process sees every broadcast made after it subscribed, as long as
 * it reads within the retention window. No per-subscriber queue exists, so a subscriber that goes away leaves
 * nothing behind.
 */
export function insertBroadcast(
  connection: SqliteConnection,
  exchange: string,
  routingKey: string,
  stored: StoredMessage,
  now: number,
  retentionMs: number,
): void {
  connection
    .statement(
      `INSERT INTO tq_broadcasts (exchange, routing_key, expires_at, content_type, content_encoding, headers, properties, body)
       VALUES (@exchange, @routing_key, @expires_at, @content_type, @content_encoding, @headers, @properties, @body)`,
    )
    .run({ ...stored, exchange, routing_key: routingKey, expires_at: now + retentionMs });
}

interface BroadcastRow extends StoredMessage {
  id: number;
  routing_key: string;
}

export function latestBroadcastId(connection: SqliteConnection): number {
  return connection.statement('SELECT coalesce(max(id), 0) FROM tq_broadcasts').pluck().get() as number;
}

export async function* readBroadcasts(
  connection: SqliteConnection,
  exchange: string,
  afterId: number,
  stop: AbortSignal,
  interval: PollInterval,
): AsyncGenerator<BroadcastMessage, void, undefined> {
  const poller = new ChangePoller(connection, [exchangeTopic(exchange)], stop, interval);
  let last = afterId;
  while (!stop.aborted && !connection.closed) {
    const rows = connection
      .statement(
        `SELECT id, routing_key, content_type, content_encoding, headers, properties, body
         FROM tq_broadcasts WHERE exchange = ? AND id > ? ORDER BY id LIMIT 256`,
      )
      .all(exchange, last) as BroadcastRow[];
    if (rows.length === 0) {
      await poller.wait();
      continue;
    }
    poller.reset();
    for (const row of rows) {
      last = row.id;
      let message: BroadcastMessage['message'];
      try {
        message = decodeMessage(row, { exchange, routingKey: row.routing_key });
      } catch {
        continue; // an unreadable broadcast is skipped: broadcasts are not durable deliveries
      }
      yield { exchange, routingKey: row.routing_key, message };
      if (stop.aborted) return;
    }
  }
}
