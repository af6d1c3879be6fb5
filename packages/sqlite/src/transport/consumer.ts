import type { Delivery } from '@tq/core';
import { ErrorCodes, TqError } from '@tq/core';
import type { SqliteConnection } from '../connection.js';
import { queueTopic } from '../notifier.js';
import { ChangePoller, type PollInterval } from '../poller.js';
import { type DeliveryOwner, SqliteDelivery } from './delivery.js';
import { decodeMessage, type MessageRow } from './message-codec.js';
import {
  claimMessages,
  extendLease,
  hasClaimable,
  nextDueAt,
  releaseUnyielded,
  requeueLeased,
} from './message-store.js';
import { type SettleKind, settleDelivery } from './settle.js';

export interface ConsumerHost {
  leaseMs(): number;
  readonly pollInterval: PollInterval;
  /** Aborted when the transport closes. */
  readonly closing: AbortSignal;
  forget(consumer: QueueConsumer): void;
}

/**
 * One `consume()` call. Claims up to `prefetch - outstanding` messages per transaction (round-robin over its
 * queues), hands them out one by one, and claims again only when its buffer is empty and acks have freed room, so
 * a fast worker claims and acks in batches. When nothing is claimable it waits on the ChangePoller (in-process
 * publish: immediate; other processes: data_version polling; delayed messages and lease ends: their due time).
 */
export class QueueConsumer implements DeliveryOwner {
  #buffer: MessageRow[] = [];
  /** Yielded and not yet settled: id -> delivery count (the lease). */
  #leases = new Map<number, number>();
  /** Yielded and whose settle has not committed yet: the prefetch window. */
  #outstanding = 0;
  #settledWaiter: (() => void) | undefined;
  #rotation = 0;
  #finished = false;
  readonly #stop: AbortSignal;

  constructor(
    private readonly host: ConsumerHost,
    private readonly connection: SqliteConnection,
    private readonly queues: readonly string[],
    private readonly prefetch: number,
    signal: AbortSignal | undefined,
  ) {
    this.#stop = signal ? AbortSignal.any([signal, host.closing]) : host.closing;
  }

  async *run(): AsyncGenerator<Delivery, void, undefined> {
    const poller = new ChangePoller(this.connection, this.queues.map(queueTopic), this.#stop, this.host.pollInterval);
    try {
      while (!this.#stop.aborted) {
        if (this.#buffer.length === 0) {
          if (this.#outstanding >= this.prefetch) {
            await this.#waitForSettle();
            continue;
          }
          let claimed: MessageRow[];
          try {
            claimed = this.#claim(this.prefetch - this.#outstanding);
          } catch (error) {
            if (!TqError.is(error, ErrorCodes.TIMEOUT)) throw error;
            claimed = []; // another process held the lock past busy_timeout: wait and try again
          }
          if (claimed.length === 0) {
            await poller.wait(this.#dueAt());
            continue;
          }
          poller.reset();
          this.#buffer = claimed;
        }
        const delivery = this.#deliver(this.#buffer.shift()!);
        if (delivery) yield delivery;
      }
    } finally {
      this.releaseBuffer();
      this.#finished = true;
      this.#forgetWhenDone();
    }
  }

  #claim(room: number): MessageRow[] {
    const { connection } = this;
    const now = Date.now();
    const start = this.#rotation++ % this.queues.length;
    const order = [...this.queues.slice(start), ...this.queues.slice(0, start)];
    const candidates = order.filter((queue) => hasClaimable(connection, queue, now));
    if (candidates.length === 0) return [];
    return connection.immediate('claim messages', () => {
      const rows: MessageRow[] = [];
      for (const queue of candidates) {
        if (rows.length >= room) break;
        rows.push(...claimMessages(connection, queue, room - rows.length, now, this.host.leaseMs()));
      }
      return rows;
    });
  }

  #dueAt(): number | undefined {
    let due: number | undefined;
    for (const queue of this.queues) {
      const at = nextDueAt(this.connection, queue);
      if (at !== undefined && (due === undefined || at < due)) due = at;
    }
    return due;
  }

  #deliver(row: MessageRow): SqliteDelivery | undefined {
    const redelivered = row.delivery_count > 1;
    let message: SqliteDelivery['message'];
    try {
      message = decodeMessage(row, {
        exchange: row.exchange,
        routingKey: row.routing_key,
        redelivered,
        priority: row.priority,
      });
    } catch {
      // A row tq cannot read back goes to the dead-letter queue rather than crashing the consumer or vanishing.
      settleDelivery(this.connection, 'dead', row.id, row.delivery_count, row.queue).catch(() => {});
      return undefined;
    }
    this.#outstanding++;
    this.#leases.set(row.id, row.delivery_count);
    return new SqliteDelivery(message, row.queue, redelivered, row.delivery_count, row.id, this, this.host.leaseMs());
  }

  settle(delivery: SqliteDelivery, kind: SettleKind): Promise<void> {
    if (!this.#leases.has(delivery.id) || this.connection.closed) {
      this.#onSettled();
      return Promise.reject(new TqError(ErrorCodes.CLOSED, `sqlite transport is closed (${kind} after close)`));
    }
    this.#leases.delete(delivery.id);
    this.#forgetWhenDone();
    const done = settleDelivery(this.connection, kind, delivery.id, delivery.deliveryCount, delivery.queue);
    return done.finally(() => this.#onSettled());
  }

  async extend(delivery: SqliteDelivery, ms: number): Promise<void> {
    const { connection } = this;
    if (!this.#leases.has(delivery.id) || connection.closed) {
      throw new TqError(ErrorCodes.CLOSED, 'sqlite transport is closed (extend)');
    }
    const kept = connection.write('extend lease', () =>
      extendLease(connection, delivery.id, delivery.deliveryCount, Date.now() + ms),
    );
    if (!kept) {
      throw new TqError(
        ErrorCodes.BROKER_REFUSED,
        'sqlite: the lease was lost (it ran out and the message was redelivered)',
        {
          details: { queue: delivery.queue, deliveryCount: delivery.deliveryCount },
        },
      );
    }
  }

  /** The transport keeps a stopped consumer until its handed-out deliveries are settled, so close() can release them. */
  #forgetWhenDone(): void {
    if (this.#finished && this.#leases.size === 0) this.host.forget(this);
  }

  #onSettled(): void {
    this.#outstanding = Math.max(0, this.#outstanding - 1);
    const waiter = this.#settledWaiter;
    this.#settledWaiter = undefined;
    waiter?.();
  }

  #waitForSettle(): Promise<void> {
    return new Promise((resolve) => {
      const onAbort = () => resolve();
      this.#settledWaiter = () => {
        this.#stop.removeEventListener('abort', onAbort);
        resolve();
      };
      this.#stop.addEventListener('abort', onAbort, { once: true });
    });
  }

  /** Puts claimed-but-not-yielded messages back, as if never delivered. */
  releaseBuffer(): void {
    const rows = this.#buffer;
    this.#buffer = [];
    const { connection } = this;
    if (rows.length === 0 || connection.closed) return;
    try {
      connection.immediate('release prefetched messages', () => {
        const now = Date.now();
        for (const row of rows) releaseUnyielded(connection, row.id, row.delivery_count, now);
      });
      for (const queue of new Set(rows.map((row) => row.queue))) connection.notifier.notify(queueTopic(queue));
    } catch {
      // The lock stayed busy: the leases run out and the messages come back by themselves.
    }
  }

  /** On transport close: also give back yielded-but-unsettled messages (they can no longer be acked). */
  releaseAll(): void {
    this.releaseBuffer();
    const leases = [...this.#leases];
    this.#leases.clear();
    const { connection } = this;
    if (leases.length === 0 || connection.closed) return;
    try {
      connection.immediate('release unacked messages', () => {
        const now = Date.now();
        for (const [id, deliveryCount] of leases) requeueLeased(connection, id, deliveryCount, now);
      });
      for (const queue of this.queues) connection.notifier.notify(queueTopic(queue));
    } catch {
      // As above: the leases run out by themselves.
    }
  }
}
