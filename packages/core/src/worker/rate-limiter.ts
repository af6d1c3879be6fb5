import { ErrorCodes, TqError } from '../errors/tq-error.js';
import { sleep } from '../app/sleep.js';

/** Parses Celery's rate limit strings: '100/s', '10/m', '5/h', or a number (per second). */
export function parseRateLimit(limit: string | number): number {
  if (typeof limit === 'number') {
    if (!(limit > 0)) throw new TqError(ErrorCodes.INVALID_CONFIG, `rate limit must be positive, got ${limit}`);
    return limit;
  }
  const match = /^\s*(\d+(?:\.\d+)?)\s*(?:\/\s*([smh]))?\s*$/.exec(limit);
  if (!match) throw new TqError(ErrorCodes.INVALID_CONFIG, `rate limit must look like '100/s', '10/m' or '5/h', got '${limit}'`);
  const count = Number(match[1]);
  const per = match[2] === 'h' ? 3600 : match[2] === 'm' ? 60 : 1;
  if (!(count > 0)) throw new TqError(ErrorCodes.INVALID_CONFIG, `rate limit must be positive, got '${limit}'`);
  return count / per;
}

/**
 * A per-worker token bucket, as Celery's rate limits are: the task waits for a token before it runs. Capacity is
 * one second's worth (at least 1) so a burst after idleness stays within the stated rate.
 */
export class TokenBucket {
  private tokens: number;
  private updatedAt = performance.now();
  private readonly capacity: number;
  private queue: Promise<void> = Promise.resolve();

  constructor(private readonly perSecond: number) {
    this.capacity = Math.max(1, perSecond);
    this.tokens = this.capacity;
  }

  /** Resolves when a token is taken; waiters are served in order. */
  take(signal?: AbortSignal): Promise<void> {
    const turn = this.queue.then(() => this.takeNow(signal));
    this.queue = turn.catch(() => undefined);
    return turn;
  }

  private async takeNow(signal?: AbortSignal): Promise<void> {
    for (;;) {
      const now = performance.now();
      this.tokens = Math.min(this.capacity, this.tokens + ((now - this.updatedAt) / 1000) * this.perSecond);
      this.updatedAt = now;
      if (this.tokens >= 1) {
        this.tokens -= 1;
        return;
      }
      await sleep(((1 - this.tokens) / this.perSecond) * 1000, signal);
    }
  }
}
