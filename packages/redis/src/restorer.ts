import { randomUUID } from 'node:crypto';
import { ErrorCodes, TqError } from '@tq/core';
import { parseBindingMember, routeQueues } from './bindings.js';
import { SCRIPTS, type TransportContext } from './context.js';
import { envelopeWirePriority } from './envelope.js';
import { toTqError } from './errors.js';
import { type HeldMessage, ownership } from './held.js';
import { markRedelivered, splitUnackedRecord } from './json-scan.js';

export interface PutBackItem {
  tag: string;
  /** The list to push to. */
  list: string;
  /** The envelope to push (edited or not). */
  envelope: string | Buffer;
  /** 'L' = LPUSH (back of the line), 'R' = RPUSH (consumed next). */
  side: 'L' | 'R';
  /** Move only if `unacked` holds exactly this record ('' = if the tag is unacked at all). */
  expected?: string | Buffer;
}

const SCRIPT_BATCH = 200;

/**
 * Everything that moves messages out of `unacked` and back into lists: requeue, dead-lettering, putting back
 * prefetched messages, and kombu-compatible visibility-timeout restores under `unacked_mutex`.
 */
export class Restorer {
  constructor(private readonly ctx: TransportContext) {}

  /** Moves the given unacked messages; returns how many moved. */
  async putBack(items: readonly PutBackItem[]): Promise<number> {
    let moved = 0;
    for (let i = 0; i < items.length; i += SCRIPT_BATCH) {
      const batch = items.slice(i, i + SCRIPT_BATCH);
      const keys = [this.ctx.keys.unacked, this.ctx.keys.unackedIndex, ...batch.map((item) => item.list)];
      const args = batch.flatMap((item) => [item.tag, item.expected ?? '', item.envelope, item.side]);
      const result = (await SCRIPTS.restore.run(this.ctx.command(), keys, args)) as number[];
      moved += result.reduce((sum, flag) => sum + Number(flag), 0);
    }
    return moved;
  }

  /**
   * Restores by tag from the `unacked` records (in the order given: each goes to the consuming end, so pass the
   * newest first), the way kombu's `restore_by_tag` does: the record names the
   * exchange and routing key, the binding table (or the routing key itself for the default exchange) names the
   * queue, the envelope's priority picks the list. Returns how many moved.
   */
  async restoreTags(tags: readonly string[], options: { markRedelivered: boolean }): Promise<number> {
    if (tags.length === 0) return 0;
    const records = await this.ctx.command().hmgetBuffer(this.ctx.keys.unacked, ...tags);
    const items: PutBackItem[] = [];
    const extraCopies: { list: string; envelope: string }[] = [];
    const orphans: string[] = [];
    for (const [i, tag] of tags.entries()) {
      const exact = records[i];
      if (exact === null || exact === undefined) {
        orphans.push(tag);
        continue;
      }
      // The record's bytes are compared exactly by the script; the text is only read.
      const record = exact.toString('utf8');
      const parts = splitUnackedRecord(record);
      if (!parts) {
        this.ctx.report(
          new TqError(ErrorCodes.MALFORMED_MESSAGE, `unacked record ${tag} is not [envelope, exchange, routing_key]; moved to tq.unroutable`, {
            details: { tag },
          }),
        );
        items.push({ tag, list: this.ctx.keys.unroutable, envelope: exact, side: 'L', expected: exact });
        continue;
      }
      const envelope = options.markRedelivered ? (markRedelivered(parts.envelope) ?? parts.envelope) : parts.envelope;
      const queues = await this.lookup(parts.exchange, parts.routingKey);
      const priority = envelopeWirePriority(parts.envelope);
      const [first, ...rest] = queues;
      if (first === undefined) {
        this.ctx.report(
          new TqError(ErrorCodes.BROKER_REFUSED, `no queue is bound for exchange "${parts.exchange}" key "${parts.routingKey}"; restored to tq.unroutable`, {
            details: { tag, exchange: parts.exchange, routingKey: parts.routingKey },
          }),
        );
        items.push({ tag, list: this.ctx.keys.unroutable, envelope, side: 'L', expected: exact });
        continue;
      }
      items.push({ tag, list: this.ctx.keys.listForPriority(first, priority), envelope, side: 'R', expected: exact });
      for (const queue of rest) extraCopies.push({ list: this.ctx.keys.listForPriority(queue, priority), envelope });
    }
    if (orphans.length > 0) await this.ctx.command().zrem(this.ctx.keys.unackedIndex, ...orphans);
    const moved = await this.putBack(items);
    if (extraCopies.length > 0) {
      const pipeline = this.ctx.command().pipeline();
      for (const copy of extraCopies) pipeline.rpush(copy.list, copy.envelope);
      await pipeline.exec();
    }
    return moved;
  }

  /**
   * kombu's `restore_visible`: under `unacked_mutex` (redis-py Lock semantics: SET NX PX, compare-and-delete),
   * put back every message whose lease (score in `unacked_index`) is older than the visibility timeout.
   */
  async sweep(): Promise<number> {
    const { keys, options } = this.ctx;
    const client = this.ctx.command();
    const ceil = ((Date.now() - options.visibilityTimeoutMs) / 1000).toFixed(3);
    const due = await client.zrangebyscore(keys.unackedIndex, 0, ceil, 'LIMIT', 0, 1);
    if (due.length === 0) return 0;
    const token = randomUUID().replace(/-/g, '');
    const locked = await client.set(keys.unackedMutex, token, 'PX', options.unackedMutexExpireMs, 'NX');
    if (locked !== 'OK') return 0;
    return this.sweepLocked(ceil, token);
  }

  /** When the earliest lease in `unacked_index` runs out (wall-clock ms), or undefined when nothing is unacked. */
  async nextExpiry(): Promise<number | undefined> {
    const [, score] = await this.ctx.command().zrange(this.ctx.keys.unackedIndex, '0', '0', 'WITHSCORES');
    return score === undefined ? undefined : Number(score) * 1000 + this.ctx.options.visibilityTimeoutMs;
  }

  private async sweepLocked(ceil: string, token: string): Promise<number> {
    const { keys } = this.ctx;
    const client = this.ctx.command();
    let restored = 0;
    const seen = new Set<string>();
    try {
      for (;;) {
        const tags = (await client.zrevrangebyscore(keys.unackedIndex, ceil, 0, 'LIMIT', 0, 500)).filter((tag) => !seen.has(tag));
        if (tags.length === 0) break;
        for (const tag of tags) seen.add(tag);
        restored += await this.restoreTags(tags, { markRedelivered: true });
      }
    } finally {
      await SCRIPTS.releaseMutex.run(client, [keys.unackedMutex], [token]).catch(() => {});
    }
    return restored;
  }

  /**
   * Puts back messages this process still holds (closing: kombu's `restore_at_shutdown`), marked redelivered, each
   * only if its unacked record is still this process's own; newest first, so the oldest is consumed first.
   */
  async restoreHeld(held: readonly HeldMessage[]): Promise<number> {
    const items = [...held].reverse().map((message) => {
      const text = message.raw.toString('utf8');
      return {
        tag: message.tag,
        list: this.ctx.keys.listForPriority(message.queue, envelopeWirePriority(text)),
        envelope: markRedelivered(text) ?? message.raw,
        side: 'R' as const,
        expected: ownership(message.raw),
      };
    });
    return this.putBack(items);
  }

  /**
   * A sweep that never throws (for timers); problems go to the error reporter. Returns when to sweep next: at the
   * earliest lease's end, but at least every `restoreIntervalMs`.
   */
  async sweepQuietly(): Promise<number> {
    const { restoreIntervalMs } = this.ctx.options;
    try {
      await this.sweep();
      const expiry = await this.nextExpiry();
      if (expiry === undefined) return restoreIntervalMs;
      return Math.min(restoreIntervalMs, Math.max(expiry - Date.now() + 20, 50));
    } catch (error) {
      if (!this.ctx.isClosed()) this.ctx.report(toTqError(error, 'restoring unacked messages'));
      return restoreIntervalMs;
    }
  }

  private async lookup(exchange: string, routingKey: string): Promise<string[]> {
    if (!exchange) return routingKey ? [routingKey] : [];
    const members = await this.ctx.command().smembers(this.ctx.keys.binding(exchange));
    const entries = members.flatMap((member) => parseBindingMember(member, this.ctx.options.separator) ?? []);
    return routeQueues(entries, this.ctx.exchangeType(exchange), routingKey);
  }
}

/**
 * While a transport consumes, it sweeps for expired leases as kombu's consumers do: at least every
 * `intervalMs`, and right when the earliest lease in `unacked_index` runs out.
 */
export class SweepSchedule {
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly restorer: Restorer,
    private readonly intervalMs: number,
    private readonly active: () => boolean,
  ) {}

  start(): void {
    if (this.timer !== undefined || !this.active()) return;
    this.schedule(0);
  }

  stop(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  private schedule(ms: number): void {
    this.timer = setTimeout(() => void this.cycle(), ms);
    this.timer.unref();
  }

  private async cycle(): Promise<void> {
    if (!this.active()) {
      this.timer = undefined;
      return;
    }
    const nextMs = await this.restorer.sweepQuietly();
    if (!this.active()) {
      this.timer = undefined;
      return;
    }
    this.schedule(Math.min(nextMs, this.intervalMs));
  }
}
