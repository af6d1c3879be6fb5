import type { SqliteConnection } from './connection.js';

export interface PollInterval {
  minPollMs: number;
  maxPollMs: number;
}

export type WakeReason = 'notified' | 'changed' | 'due' | 'stopped';

/**
 * Waits for "something may have changed" without busy-waiting: an in-process notify wakes at once; otherwise it
 * sleeps with an adaptive backoff (minPollMs doubling up to maxPollMs) and, on each tick, reads
 * `PRAGMA data_version`, which changes only when another connection committed. Tables are re-read only then, or
 * when a known time (a delayed message, a lease end) has come. Idle cost: one pragma per maxPollMs per waiter.
 */
export class ChangePoller {
  #delay: number;
  #lastVersion: string;

  constructor(
    private readonly connection: SqliteConnection,
    private readonly topics: readonly string[],
    private readonly stop: AbortSignal,
    private readonly interval: PollInterval,
  ) {
    this.#delay = interval.minPollMs;
    this.#lastVersion = connection.dataVersion();
  }

  /** Call after finding work: the next wait starts from the fastest poll again. */
  reset(): void {
    this.#delay = this.interval.minPollMs;
  }

  /**
   * Resolves when woken in-process, when another process committed, when `dueAt` (epoch ms) has come, when
   * `untilAt` has come (a caller's deadline), or when stopped.
   */
  async wait(dueAt?: number, untilAt?: number): Promise<WakeReason> {
    for (;;) {
      if (this.stop.aborted) return 'stopped';
      const now = Date.now();
      if (dueAt !== undefined && now >= dueAt) return 'due';
      if (untilAt !== undefined && now >= untilAt) return 'due';
      let sleep = this.#delay;
      if (dueAt !== undefined) sleep = Math.min(sleep, dueAt - now);
      if (untilAt !== undefined) sleep = Math.min(sleep, untilAt - now);
      const reason = await this.#sleep(Math.max(0, sleep));
      if (reason !== 'due') {
        this.reset();
        return reason;
      }
      if (this.connection.closed) return 'stopped';
      const version = this.connection.dataVersion();
      if (version !== this.#lastVersion) {
        this.#lastVersion = version;
        this.reset();
        return 'changed';
      }
      this.#delay = Math.min(this.#delay * 2, this.interval.maxPollMs);
    }
  }

  #sleep(ms: number): Promise<WakeReason> {
    return new Promise((resolve) => {
      let done = false;
      const finish = (reason: WakeReason) => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        unlisten();
        this.stop.removeEventListener('abort', onAbort);
        resolve(reason);
      };
      const onAbort = () => finish('stopped');
      const timer = setTimeout(() => finish('due'), ms);
      const unlisten = this.connection.notifier.listen(this.topics, () => finish('notified'));
      this.stop.addEventListener('abort', onAbort, { once: true });
    });
  }
}
