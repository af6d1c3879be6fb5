import type { SqliteConnection } from '../connection.js';
import type { MessageRow, StoredMessage } from './message-codec.js';

/**
 * The SQL of the message table, synchronous, no transactions of its own: callers wrap these in
 * `connection.immediate` so each publish batch, claim or settle batch is one short write transaction.
 * A lease is identified by (id, delivery_count): every claim increments delivery_count, so a consumer whose lease
 * ran out and was re-claimed by someone else can no longer ack, extend or requeue the message.
 */
export const READY = 0;
export const DELAYED = 1;
export const LEASED = 2;

export interface InsertRow extends StoredMessage {
  queue: string;
  state: number;
  priority: number;
  visible_at: number;
  expires_at: number | null;
  exchange: string;
  routing_key: string;
}

const INSERT = `INSERT INTO tq_messages
  (queue, state, priority, visible_at, expires_at, exchange, routing_key, content_type, content_encoding, headers, properties, body)
  VALUES (@queue, @state, @priority, @visible_at, @expires_at, @exchange, @routing_key, @content_type, @content_encoding,
          @headers, @properties, @body)`;

const PROMOTE = 'UPDATE tq_messages SET state = 0 WHERE queue = ? AND state <> 0 AND visible_at <= ?';

const CLAIM = `UPDATE tq_messages SET state = 2, visible_at = @leaseUntil, delivery_count = delivery_count + 1
  WHERE id IN (SELECT id FROM tq_messages WHERE queue = @queue AND state = 0 ORDER BY priority DESC, id LIMIT @limit)
  RETURNING id, queue, priority, delivery_count, expires_at, exchange, routing_key, content_type, content_encoding,
            headers, properties, body`;

const CLAIMABLE = `SELECT EXISTS (SELECT 1 FROM tq_messages WHERE queue = @queue AND state = 0)
  OR EXISTS (SELECT 1 FROM tq_messages WHERE queue = @queue AND state <> 0 AND visible_at <= @now)`;

const NEXT_DUE = 'SELECT min(visible_at) FROM tq_messages WHERE queue = ? AND state <> 0';

export function insertMessage(connection: SqliteConnection, row: InsertRow): void {
  connection.statement(INSERT).run(row);
}

/** A cheap read (no write lock) telling whether a claim could find anything. */
export function hasClaimable(connection: SqliteConnection, queue: string, now: number): boolean {
  return connection.statement(CLAIMABLE).pluck().get({ queue, now }) === 1;
}

/**
 * Leases up to `limit` ready messages of `queue` (after making due delayed/expired-lease messages ready), in
 * priority then FIFO order. TTL-expired messages are deleted instead of delivered.
 */
export function claimMessages(
  connection: SqliteConnection,
  queue: string,
  limit: number,
  now: number,
  leaseMs: number,
): MessageRow[] {
  connection.statement(PROMOTE).run(queue, now);
  const rows = connection.statement(CLAIM).all({ queue, limit, leaseUntil: now + leaseMs }) as MessageRow[];
  rows.sort((a, b) => b.priority - a.priority || a.id - b.id);
  const live: MessageRow[] = [];
  for (const row of rows) {
    if (row.expires_at !== null && row.expires_at <= now)
      connection.statement('DELETE FROM tq_messages WHERE id = ?').run(row.id);
    else live.push(row);
  }
  return live;
}

/** Earliest time a delayed or leased message of `queue` becomes ready, or undefined. */
export function nextDueAt(connection: SqliteConnection, queue: string): number | undefined {
  const due = connection.statement(NEXT_DUE).pluck().get(queue) as number | null;
  return due ?? undefined;
}

export function deleteLeased(connection: SqliteConnection, id: number, deliveryCount: number): boolean {
  return (
    connection.statement('DELETE FROM tq_messages WHERE id = ? AND delivery_count = ?').run(id, deliveryCount).changes >
    0
  );
}

export function requeueLeased(connection: SqliteConnection, id: number, deliveryCount: number, now: number): boolean {
  return (
    connection
      .statement('UPDATE tq_messages SET state = 0, visible_at = ? WHERE id = ? AND delivery_count = ?')
      .run(now, id, deliveryCount).changes > 0
  );
}

/** Gives back a message that was claimed but never handed out: not counted as a delivery. */
export function releaseUnyielded(
  connection: SqliteConnection,
  id: number,
  deliveryCount: number,
  now: number,
): boolean {
  return (
    connection
      .statement(
        'UPDATE tq_messages SET state = 0, visible_at = ?, delivery_count = delivery_count - 1 WHERE id = ? AND delivery_count = ?',
      )
      .run(now, id, deliveryCount).changes > 0
  );
}

/** Moves a message to its dead-letter queue, ready at once, without its TTL. */
export function deadLetter(
  connection: SqliteConnection,
  id: number,
  deliveryCount: number,
  target: string,
  now: number,
): boolean {
  return (
    connection
      .statement(
        'UPDATE tq_messages SET queue = ?, state = 0, visible_at = ?, expires_at = NULL WHERE id = ? AND delivery_count = ?',
      )
      .run(target, now, id, deliveryCount).changes > 0
  );
}

export function extendLease(connection: SqliteConnection, id: number, deliveryCount: number, until: number): boolean {
  return (
    connection
      .statement('UPDATE tq_messages SET state = 2, visible_at = ? WHERE id = ? AND delivery_count = ?')
      .run(until, id, deliveryCount).changes > 0
  );
}

/** The dead-letter queue of `queue`: the declared one, else `<queue>.dead`. */
export function deadLetterQueueOf(connection: SqliteConnection, queue: string): string {
  const declared = connection.statement('SELECT dead_letter_queue FROM tq_queues WHERE name = ?').pluck().get(queue) as
    | string
    | null
    | undefined;
  return declared || `${queue}.dead`;
}

/** Messages a consumer could get now: ready, plus delayed/leased ones whose time has come; TTL-expired excluded. */
export function countReady(connection: SqliteConnection, queue: string, now: number): number {
  return connection
    .statement(
      `SELECT (SELECT count(*) FROM tq_messages WHERE queue = @queue AND state = 0 AND (expires_at IS NULL OR expires_at > @now))
            + (SELECT count(*) FROM tq_messages WHERE queue = @queue AND state <> 0 AND visible_at <= @now
                                                  AND (expires_at IS NULL OR expires_at > @now))`,
    )
    .pluck()
    .get({ queue, now }) as number;
}

/** Deletes every message not currently leased (ready, delayed, and leases that ran out). */
export function purgeQueue(connection: SqliteConnection, queue: string, now: number): number {
  return connection
    .statement('DELETE FROM tq_messages WHERE queue = ? AND (state <> 2 OR visible_at <= ?)')
    .run(queue, now).changes;
}
