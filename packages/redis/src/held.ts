import { createHash } from 'node:crypto';
import type { TransportContext } from './context.js';
import { toTqError } from './errors.js';

/** A message this process took from a list and has not settled: buffered in a consumer or yielded to the app. */
export interface HeldMessage {
  tag: string;
  queue: string;
  /** The envelope exactly as stored. */
  raw: Buffer;
  /** Wall-clock ms until which another worker must not restore it. */
  leaseUntil: number;
  /** Set once the app called extend(): from then on the app owns the lease and it is not renewed automatically. */
  explicit?: boolean;
}

/**
 * Keeps leases alive. kombu scores `unacked_index` with the fetch time and restores anything scored before
 * `now - visibility_timeout`; a lease ending at T is therefore written as the score `T - visibility_timeout`, which
 * every kombu-compatible restorer (Python or tq) with the same visibility timeout honours. While this process
 * runs it rescores what it holds, so long tasks and ETA tasks are not handed to a second worker; if the process
 * dies the scores stop moving and the messages come back one visibility timeout later.
 */
export class LeaseKeeper {
  readonly held = new Map<string, HeldMessage>();
  private timer: NodeJS.Timeout | undefined;
  private renewing = false;

  constructor(private readonly ctx: TransportContext) {}

  get intervalMs(): number {
    return Math.min(Math.max(this.ctx.options.visibilityTimeoutMs / 4, 50), 60_000);
  }

  hold(message: HeldMessage): void {
    this.held.set(message.tag, message);
    if (this.ctx.options.renewLeases && !this.timer) {
      this.timer = setInterval(() => void this.renew(), this.intervalMs);
      this.timer.unref();
    }
  }

  release(tag: string): void {
    this.held.delete(tag);
    if (this.held.size === 0 && this.timer) {
      clearInterval(this.timer);
      this.timer = undefined;
    }
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  /** The `unacked_index` score for a lease ending at `leaseUntil`. */
  score(leaseUntil: number): string {
    return ((leaseUntil - this.ctx.options.visibilityTimeoutMs) / 1000).toFixed(3);
  }

  /**
   * Sets one lease to end `ms` from now (shorter or longer than before). From then on the lease is the app's to
   * keep. Resolves false when the message is no longer unacked (it was restored after an earlier lease ran out).
   */
  async extend(message: HeldMessage, ms: number): Promise<boolean> {
    message.leaseUntil = Date.now() + ms;
    message.explicit = true;
    const results = await this.ctx
      .command()
      .pipeline()
      .zadd(this.ctx.keys.unackedIndex, 'XX', this.score(message.leaseUntil), message.tag)
      .zscore(this.ctx.keys.unackedIndex, message.tag)
      .exec();
    const failure = results?.find(([error]) => error)?.[0];
    if (failure) throw failure;
    const score = results?.[1]?.[1];
    return score !== null && score !== undefined;
  }

  private async renew(): Promise<void> {
    if (this.renewing || this.held.size === 0 || this.ctx.isClosed()) return;
    this.renewing = true;
    try {
      const horizon = Date.now() + this.ctx.options.visibilityTimeoutMs;
      const args: string[] = [];
      for (const message of this.held.values()) {
        if (message.explicit) continue;
        if (message.leaseUntil < horizon) message.leaseUntil = horizon;
        args.push(this.score(message.leaseUntil), message.tag);
      }
      for (let i = 0; i < args.length; i += 2000) {
        await this.ctx.command().zadd(this.ctx.keys.unackedIndex, 'XX', ...args.slice(i, i + 2000));
      }
    } catch (error) {
      if (!this.ctx.isClosed()) this.ctx.report(toTqError(error, 'renewing leases'));
    } finally {
      this.renewing = false;
    }
  }
}

/** Identifies the unacked record of this fetch (see OWNS in scripts/restore.ts). */
export function ownership(raw: Buffer): string {
  return `sha1:${raw.length}:${createHash('sha1').update(raw).digest('hex')}`;
}
