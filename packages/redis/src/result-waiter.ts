import { abortError, ErrorCodes, READY_STATES, type ResultMeta, TqError } from '@tq/core';
import type { Subscriber } from './subscriber.js';

interface Waiter {
  resolve: (meta: ResultMeta) => void;
  reject: (error: unknown) => void;
}

export interface ResultWaiterDeps {
  subscriber: Subscriber;
  /** MGET of result keys (null where nothing is stored). */
  read(keys: readonly string[]): Promise<(Buffer | null)[]>;
  decode(value: Buffer): ResultMeta;
}

/**
 * All `waitFor` calls of one backend share one subscriber connection: a key is SUBSCRIBEd while someone waits for
 * it and UNSUBSCRIBEd as soon as its result is ready, the wait times out or is aborted, so nothing is left behind
 * (Celery clients subscribe per task at send time and leak). After subscribing, one GET closes the race with a
 * result stored just before; after a reconnect, one MGET catches what was published while the connection was down.
 */
export class ResultWaiter {
  private readonly waiting = new Map<string, Set<Waiter>>();
  private readonly unsubscribes = new Map<string, Promise<() => Promise<void>>>();

  constructor(private readonly deps: ResultWaiterDeps) {
    deps.subscriber.onReconnect(() => void this.catchUp([...this.waiting.keys()]));
  }

  get pendingKeys(): number {
    return this.waiting.size;
  }

  wait(key: string, options: { signal?: AbortSignal | undefined; timeoutMs?: number | undefined }): Promise<ResultMeta> {
    const { signal, timeoutMs } = options;
    if (signal?.aborted) return Promise.reject(abortError(signal, 'waitFor'));
    return new Promise<ResultMeta>((resolve, reject) => {
      let timer: NodeJS.Timeout | undefined;
      const cleanup = () => {
        if (timer) clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        this.remove(key, waiter);
      };
      const waiter: Waiter = {
        resolve: (meta) => {
          cleanup();
          resolve(meta);
        },
        reject: (error) => {
          cleanup();
          reject(error);
        },
      };
      const onAbort = () => waiter.reject(abortError(signal, 'waitFor'));
      signal?.addEventListener('abort', onAbort, { once: true });
      if (timeoutMs !== undefined) {
        timer = setTimeout(
          () => waiter.reject(new TqError(ErrorCodes.TIMEOUT, `no result within ${timeoutMs} ms`, { retryable: true, details: { key, timeoutMs } })),
          timeoutMs,
        );
      }
      this.add(key, waiter);
    });
  }

  /** Rejects every pending wait (the backend is closing). */
  rejectAll(error: TqError): void {
    for (const waiters of [...this.waiting.values()]) for (const waiter of [...waiters]) waiter.reject(error);
  }

  private add(key: string, waiter: Waiter): void {
    let waiters = this.waiting.get(key);
    if (waiters) {
      waiters.add(waiter);
      return;
    }
    waiters = new Set([waiter]);
    this.waiting.set(key, waiters);
    const subscribed = this.deps.subscriber.subscribe(key, (_channel, payload) => this.receive(key, payload));
    this.unsubscribes.set(key, subscribed);
    subscribed.then(
      () => this.catchUp([key]),
      (error) => {
        for (const pending of [...(this.waiting.get(key) ?? [])]) pending.reject(error);
      },
    );
  }

  private remove(key: string, waiter: Waiter): void {
    const waiters = this.waiting.get(key);
    if (!waiters) return;
    waiters.delete(waiter);
    if (waiters.size > 0) return;
    this.waiting.delete(key);
    const unsubscribe = this.unsubscribes.get(key);
    this.unsubscribes.delete(key);
    void unsubscribe?.then((stop) => stop()).catch(() => {});
  }

  private receive(key: string, payload: Buffer): void {
    try {
      this.settleIfReady(key, this.deps.decode(payload));
    } catch (error) {
      for (const waiter of [...(this.waiting.get(key) ?? [])]) waiter.reject(error);
    }
  }

  private async catchUp(keys: readonly string[]): Promise<void> {
    const live = keys.filter((key) => this.waiting.has(key));
    if (live.length === 0) return;
    try {
      const values = await this.deps.read(live);
      for (const [i, key] of live.entries()) {
        const value = values[i];
        if (value) this.receive(key, value);
      }
    } catch {
      // the next reconnect (or the published result) will tell
    }
  }

  private settleIfReady(key: string, meta: ResultMeta): void {
    if (!READY_STATES.has(meta.status)) return;
    for (const waiter of [...(this.waiting.get(key) ?? [])]) waiter.resolve(meta);
  }
}
