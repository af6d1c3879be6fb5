import { randomUUID } from 'node:crypto';
import { ErrorCodes, TqError, type Delivery, type TransportMessage } from '@tq/core';
import type { AckBatcher } from './ack-batcher.js';
import type { TransportContext } from './context.js';
import { RedisDelivery, type DeliveryOwner } from './delivery.js';
import { decodeEnvelope, envelopeWirePriority } from './envelope.js';
import { closedError, isConnectionError, toTqError } from './errors.js';
import { retryOnConnectionLoss, sleep } from './retry.js';
import { deadList, type Outcome, settleOnBroker } from './settle.js';
import { runFetch, type FetchedItem } from './fetch.js';
import type { HeldMessage, LeaseKeeper } from './held.js';
import type { Restorer } from './restorer.js';
import type { WakeHub } from './wake-hub.js';

export interface ConsumerDeps {
  ctx: TransportContext;
  restorer: Restorer;
  leases: LeaseKeeper;
  acks: AckBatcher;
  wake: WakeHub;
  /** Opens connections on first use. */
  ensureConnected(signal: AbortSignal): Promise<void>;
  /** Calls `onDue(dueMs)` when a delayed message is published to one of the queues; returns an unsubscribe. */
  watchDelayed(queues: readonly string[], onDue: (dueMs: number) => void): Promise<() => Promise<void>>;
  register(consumer: RedisConsumer): void;
  unregister(consumer: RedisConsumer): void;
}

interface Buffered {
  held: HeldMessage;
  message: TransportMessage;
  redelivered: boolean;
}

const DONE: IteratorReturnResult<undefined> = { done: true, value: undefined };

/**
 * One `consume()` iteration. Pull-based: it fetches (atomically, up to the free prefetch window per round trip)
 * only while fewer than `prefetch` deliveries are outstanding, and refills in the background while the queue is
 * busy. With nothing to fetch it sleeps on the wake hub (blocking peeks), the next delayed message's due time,
 * or a delayed-message notice. When it stops, what it fetched but did not yield goes back to the front of its list.
 */
export class RedisConsumer implements AsyncIterableIterator<Delivery>, DeliveryOwner {
  readonly id = randomUUID();
  private readonly buffer: Buffered[] = [];
  private outstanding = 0;
  private fetching: Promise<number> | undefined;
  private stopping: Promise<void> | undefined;
  private readonly stopController = new AbortController();
  private settleWaiters: (() => void)[] = [];
  private idleController: AbortController | undefined;
  private nextDue: number | undefined;
  private backoffMs = 0;
  private lastFetchCount = 0;
  private rotation = 0;
  private chain: Promise<unknown> = Promise.resolve();
  /** next() calls not yet answered (they answer in order, one after the other, through `chain`). */
  private pendingNexts = 0;
  private started = false;
  private unwatchDelayed: (() => Promise<void>) | undefined;

  constructor(
    private readonly deps: ConsumerDeps,
    readonly queues: readonly string[],
    private readonly prefetch: number,
    signal: AbortSignal | undefined,
  ) {
    if (signal?.aborted) this.stopController.abort();
    else signal?.addEventListener('abort', () => this.requestStop(), { once: true });
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  next(): Promise<IteratorResult<Delivery>> {
    // With no next() pending and a message buffered, hand it out at once: no chained promises per delivery.
    if (this.pendingNexts === 0) {
      const value = this.takeBuffered();
      if (value) return Promise.resolve({ done: false, value });
    }
    this.pendingNexts++;
    const result = this.chain.then(() => this.nextInner());
    this.chain = result.then(this.nextDone, this.nextDone);
    return result;
  }

  private readonly nextDone = (): void => {
    this.pendingNexts--;
  };

  /** The next buffered message as a delivery, if the iteration runs and the prefetch window has room. */
  private takeBuffered(): Delivery | undefined {
    if (!this.started || this.stopController.signal.aborted || this.deps.ctx.isClosed()) return undefined;
    const next = this.outstanding < this.prefetch ? this.buffer.shift() : undefined;
    if (!next) return undefined;
    this.outstanding++;
    this.refillInBackground();
    const leaseMs = this.deps.ctx.options.visibilityTimeoutMs;
    return new RedisDelivery(this, next.held, next.message, next.held.queue, next.redelivered, leaseMs);
  }

  async return(): Promise<IteratorResult<Delivery>> {
    this.requestStop();
    await this.stop();
    return DONE;
  }

  /** Asks the iteration to end; a pending `next()` resolves done. */
  requestStop(): void {
    this.stopController.abort();
    this.idleController?.abort();
    this.wakeSettleWaiters();
  }

  /** Stops and puts back what was fetched but not yielded. Idempotent. */
  stop(): Promise<void> {
    this.stopping ??= this.stopNow();
    return this.stopping;
  }

  settle(held: HeldMessage, outcome: Outcome): Promise<void> {
    this.outstanding--;
    this.deps.leases.release(held.tag);
    this.wakeSettleWaiters();
    return settleOnBroker(this.deps.ctx, this.deps.acks, this.deps.restorer, held, outcome);
  }

  extend(held: HeldMessage, ms: number): Promise<boolean> {
    if (this.deps.ctx.isClosed()) return Promise.reject(closedError('extend'));
    return this.deps.leases.extend(held, ms);
  }

  private async nextInner(): Promise<IteratorResult<Delivery>> {
    if (!this.started) {
      this.started = true;
      try {
        await this.start();
      } catch (error) {
        const aborted = this.stopController.signal.aborted;
        await this.stop();
        if (aborted) return DONE;
        throw error;
      }
    }
    for (;;) {
      if (this.stopController.signal.aborted || this.deps.ctx.isClosed()) {
        await this.stop();
        return DONE;
      }
      const value = this.takeBuffered();
      if (value) return { done: false, value };
      if (this.outstanding >= this.prefetch) {
        await this.waitForSettle();
        continue;
      }
      const fetched = await this.fill();
      if (fetched === 0 && this.buffer.length === 0) await this.idle();
    }
  }

  private async start(): Promise<void> {
    await this.deps.ensureConnected(this.stopController.signal);
    this.deps.register(this);
    this.unwatchDelayed = await this.deps.watchDelayed(this.queues, (dueMs) => {
      if (this.nextDue === undefined || dueMs < this.nextDue) this.nextDue = dueMs;
      this.idleController?.abort();
    });
  }

  private fill(): Promise<number> {
    this.fetching ??= this.fetchOnce().finally(() => {
      this.fetching = undefined;
    });
    return this.fetching;
  }

  /** Keeps the buffer topped up while the queue is busy, so the app rarely waits for a round trip. */
  private refillInBackground(): void {
    if (this.fetching || this.lastFetchCount === 0 || this.stopController.signal.aborted) return;
    const free = this.prefetch - this.outstanding - this.buffer.length;
    if (free >= Math.ceil(this.prefetch / 2) || (free > 0 && this.buffer.length === 0)) void this.fill();
  }

  private async fetchOnce(): Promise<number> {
    const count = Math.min(this.prefetch - this.outstanding - this.buffer.length, this.deps.ctx.options.fetchBatchSize);
    if (count <= 0) return 0;
    const queues = this.rotatedQueues();
    const fetchId = randomUUID();
    try {
      const result = await runFetch(this.deps.ctx, { consumerId: this.id, fetchId, queues, count });
      this.backoffMs = 0;
      this.nextDue = result.nextDue;
      for (const problem of result.problems) this.deps.ctx.report(problem);
      if (result.unackedWrongType) this.backoffMs = 5000;
      await this.accept(result.items);
      this.lastFetchCount = result.items.length;
      return result.items.length;
    } catch (error) {
      this.lastFetchCount = 0;
      if (this.deps.ctx.isClosed()) return 0;
      this.deps.ctx.report(toTqError(error, `fetching from ${queues.join(', ')}`));
      this.backoffMs = Math.min(Math.max(this.backoffMs * 2, 100), 5000);
      if (isConnectionError(error) || TqError.is(error, ErrorCodes.TIMEOUT)) await this.recoverLostFetch(fetchId);
      return 0;
    }
  }

  /** Decodes fetched messages into the buffer; one that cannot be decoded goes to the dead-letter list. */
  private async accept(items: readonly FetchedItem[]): Promise<void> {
    const leaseUntil = Date.now() + this.deps.ctx.options.visibilityTimeoutMs;
    const rejected: { tag: string; list: string; envelope: Buffer; side: 'L' }[] = [];
    for (const item of items) {
      const held: HeldMessage = { tag: item.tag, queue: item.queue, raw: item.raw, leaseUntil };
      try {
        const decoded = decodeEnvelope(item.raw.toString('utf8'), item.queue);
        this.deps.leases.hold(held);
        this.buffer.push({ held, message: decoded.message, redelivered: decoded.redelivered });
      } catch (error) {
        const list = deadList(this.deps.ctx, item.queue);
        rejected.push({ tag: item.tag, list, envelope: item.raw, side: 'L' });
        const problem = toTqError(error, 'decoding a message');
        this.deps.ctx.report(
          new TqError(problem.code, `${problem.message}; moved to ${list}`, {
            cause: problem,
            details: { ...problem.details, queue: item.queue, deliveryTag: item.tag, movedTo: list },
          }),
        );
      }
    }
    if (rejected.length > 0) await retryOnConnectionLoss(this.deps.ctx, () => this.deps.restorer.putBack(rejected), 'dead');
  }

  /**
   * The fetch's reply was lost with the connection, but the script may have run: its record under
   * `tq.inflight.<consumer>` names the tags it took, and they go straight back to the front of their lists.
   */
  private async recoverLostFetch(fetchId: string): Promise<void> {
    const { ctx } = this.deps;
    for (let attempt = 0; attempt < 50 && !ctx.isClosed(); attempt++) {
      try {
        const record = await ctx.command().get(ctx.keys.inflight(this.id));
        const [id, ...tags] = (record ?? '').split('\n');
        if (id === fetchId && tags.length > 0) {
          // RPUSH the last one first, so the first one fetched is consumed next again.
          await this.deps.restorer.restoreTags(tags.reverse(), { markRedelivered: false });
          await ctx.command().del(ctx.keys.inflight(this.id));
        }
        return;
      } catch (error) {
        if (!isConnectionError(error)) {
          ctx.report(toTqError(error, 'recovering a lost fetch'));
          return;
        }
        await sleep(Math.min(100 * 2 ** attempt, 2000));
      }
    }
  }

  private async idle(): Promise<void> {
    const stop = this.stopController.signal;
    if (this.backoffMs > 0) {
      await sleep(this.backoffMs, stop);
      return;
    }
    const { ctx } = this.deps;
    let timeout = ctx.options.idleWaitMs;
    if (this.nextDue !== undefined) timeout = Math.min(timeout, Math.max(0, this.nextDue - Date.now()));
    if (timeout === 0) return;
    // One controller per sleep, aborted by stop, a delayed-message notice or the timeout (AbortSignal.any would
    // leave a listener on the long-lived stop signal for every sleep).
    this.idleController = new AbortController();
    if (stop.aborted) return;
    const keys = this.queues.flatMap((queue) => ctx.keys.lists(queue));
    await this.deps.wake.wait(keys, timeout, this.idleController.signal);
    this.idleController = undefined;
  }

  private waitForSettle(): Promise<void> {
    return new Promise((resolve) => this.settleWaiters.push(resolve));
  }

  private wakeSettleWaiters(): void {
    const waiters = this.settleWaiters;
    this.settleWaiters = [];
    for (const waiter of waiters) waiter();
  }

  private rotatedQueues(): string[] {
    // kombu rotates its queue cycle so a busy queue does not starve the others.
    const offset = this.rotation++ % this.queues.length;
    return [...this.queues.slice(offset), ...this.queues.slice(0, offset)];
  }

  private async stopNow(): Promise<void> {
    this.requestStop();
    if (this.fetching) await this.fetching.catch(() => {});
    const unfetched = this.buffer.splice(0);
    for (const item of unfetched) this.deps.leases.release(item.held.tag);
    const { ctx } = this.deps;
    if (unfetched.length > 0 && !ctx.isClosed()) {
      // RPUSH in reverse so the first one buffered is the next one consumed.
      const items = unfetched.reverse().map((item) => ({
        tag: item.held.tag,
        list: ctx.keys.listForPriority(item.held.queue, envelopeWirePriority(item.held.raw.toString('utf8'))),
        envelope: item.held.raw,
        side: 'R' as const,
      }));
      await retryOnConnectionLoss(ctx, () => this.deps.restorer.putBack(items), 'put back').catch((error) =>
        ctx.report(toTqError(error, 'putting back prefetched messages')),
      );
    }
    await this.unwatchDelayed?.().catch(() => {});
    if (this.started && !ctx.isClosed()) await ctx.command().del(ctx.keys.inflight(this.id)).catch(() => {});
    this.deps.unregister(this);
  }
}
