import { closeConnection, createConnection, type RedisClient } from './connection.js';
import type { RedisConnectionConfig } from './url.js';

type Waker = () => void;

/** How long an unwatched list keeps its blocking connection. */
const IDLE_CLOSE_MS = 60_000;

/**
 * Blocking wake-ups without taking anything. `BLMOVE key key RIGHT RIGHT` blocks until the list is non-empty,
 * then moves its tail element to its tail: the list is unchanged, so this is a blocking peek. It tells a consumer
 * "there is something to fetch" and the atomic fetch script does the taking; no message ever sits in client
 * memory only (kombu's BRPOP gap). BLMOVE watches one key, so each watched list has its own connection, shared by
 * every consumer of this transport. Each wait lasts `blockSeconds`; the reply (or its timeout) proves the
 * connection alive, and a reply that does not come within the grace period gets the connection dropped and
 * reopened (a half-open TCP connection would otherwise block forever).
 */
class KeyWatcher {
  private client: RedisClient | undefined;
  private readonly wakers = new Set<Waker>();
  private armed = false;
  private closed = false;
  private idleTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly config: RedisConnectionConfig,
    readonly key: string,
    private readonly blockSeconds: number,
  ) {}

  add(waker: Waker): void {
    this.wakers.add(waker);
    if (this.idleTimer) clearTimeout(this.idleTimer);
    this.idleTimer = undefined;
    if (!this.armed) void this.loop();
  }

  remove(waker: Waker): void {
    this.wakers.delete(waker);
  }

  get idle(): boolean {
    return this.wakers.size === 0;
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.idleTimer) clearTimeout(this.idleTimer);
    this.wakers.clear();
    if (this.client) await closeConnection(this.client, true);
  }

  private connection(): RedisClient {
    if (!this.client) {
      this.client = createConnection(this.config, 'blocking');
      this.client.connect().catch(() => {});
    }
    return this.client;
  }

  private async loop(): Promise<void> {
    this.armed = true;
    let failures = 0;
    try {
      while (this.wakers.size > 0 && !this.closed) {
        const client = this.connection();
        const wasReady = client.status === 'ready';
        let watchdog: NodeJS.Timeout | undefined;
        try {
          const peek = client.blmove(this.key, this.key, 'RIGHT', 'RIGHT', this.blockSeconds);
          if (wasReady) {
            watchdog = setTimeout(() => client.disconnect(true), this.blockSeconds * 1000 + 3000);
          }
          const result = await peek;
          failures = 0;
          if (result !== null) this.fire();
        } catch {
          if (this.closed) return;
          failures++;
          await new Promise((resolve) => setTimeout(resolve, Math.min(50 * 2 ** failures, 2000)));
          // Something may have arrived while the connection was down: let the consumers look.
          this.fire();
        } finally {
          if (watchdog) clearTimeout(watchdog);
        }
      }
    } finally {
      this.armed = false;
      this.closeWhenUnused();
    }
  }

  /** A list nobody has waited on for a while (a queue no longer consumed) gives its connection back. */
  private closeWhenUnused(): void {
    if (this.closed || this.wakers.size > 0 || this.idleTimer) return;
    this.idleTimer = setTimeout(() => {
      this.idleTimer = undefined;
      if (this.wakers.size > 0 || this.armed || !this.client) return;
      const client = this.client;
      this.client = undefined;
      void closeConnection(client, true);
    }, IDLE_CLOSE_MS);
    this.idleTimer.unref();
  }

  private fire(): void {
    const wakers = [...this.wakers];
    this.wakers.clear();
    for (const waker of wakers) waker();
  }
}

/** The transport's watchers, one per watched list, created on first use. */
export class WakeHub {
  private readonly watchers = new Map<string, KeyWatcher>();
  private readonly sleepers = new Set<Waker>();
  private closed = false;

  constructor(
    private readonly config: RedisConnectionConfig,
    private readonly blockSeconds: number,
  ) {}

  /**
   * Resolves when one of `keys` has something, after `timeoutMs`, when `signal` aborts, or when `wakeAll` is
   * called (delayed messages came due, the transport closes).
   */
  wait(keys: readonly string[], timeoutMs: number, signal?: AbortSignal): Promise<void> {
    if (this.closed || signal?.aborted) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const watchers = keys.map((key) => this.watcher(key));
      const done = () => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', done);
        this.sleepers.delete(done);
        for (const watcher of watchers) watcher.remove(done);
        resolve();
      };
      const timer = setTimeout(done, Math.max(0, timeoutMs));
      signal?.addEventListener('abort', done, { once: true });
      this.sleepers.add(done);
      for (const watcher of watchers) watcher.add(done);
    });
  }

  wakeAll(): void {
    for (const sleeper of [...this.sleepers]) sleeper();
  }

  async close(): Promise<void> {
    this.closed = true;
    this.wakeAll();
    await Promise.all([...this.watchers.values()].map((watcher) => watcher.close()));
    this.watchers.clear();
  }

  private watcher(key: string): KeyWatcher {
    let watcher = this.watchers.get(key);
    if (!watcher) {
      watcher = new KeyWatcher(this.config, key, this.blockSeconds);
      this.watchers.set(key, watcher);
    }
    return watcher;
  }
}
