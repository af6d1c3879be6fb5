import { ErrorCodes, TqError } from '@tq/core';
import type { SqliteConnection } from './connection.js';

interface PendingWrite {
  work: () => unknown;
  after: ((result: unknown) => void) | undefined;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
}

/**
 * Group commit: writes requested during one event-loop turn (acks, rejects, result stores, from every transport
 * and backend sharing the connection) run in one BEGIN IMMEDIATE transaction, flushed from setImmediate. A worker
 * that acks a task and stores its result pays one commit per turn, not two per task. Each caller's promise settles
 * once its write committed; `after` runs only then (wake-ups must not announce uncommitted rows). If the batch
 * fails, each write is retried in a transaction of its own, so one bad write cannot fail the others.
 */
export class WriteBatcher {
  #pending: PendingWrite[] = [];
  #scheduled: NodeJS.Immediate | undefined;

  constructor(private readonly connection: SqliteConnection) {}

  run<T>(work: () => T, after?: (result: T) => void): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.#pending.push({
        work,
        after: after as ((result: unknown) => void) | undefined,
        resolve: resolve as (value: unknown) => void,
        reject,
      });
      this.#scheduled ??= setImmediate(() => this.flush());
    });
  }

  /** Writes everything pending now (also called when the connection closes, so no accepted write is lost). */
  flush(): void {
    if (this.#scheduled) clearImmediate(this.#scheduled);
    this.#scheduled = undefined;
    const writes = this.#pending;
    if (writes.length === 0) return;
    this.#pending = [];
    if (this.connection.closed) {
      const error = new TqError(ErrorCodes.CLOSED, 'sqlite: the database connection is closed');
      for (const write of writes) write.reject(error);
      return;
    }
    let results: unknown[];
    try {
      results = this.connection.immediate('write batch', () => writes.map((write) => write.work()));
    } catch (error) {
      // A lock held past busy_timeout would only time out again per write: fail them all, retryable.
      if (TqError.is(error, ErrorCodes.TIMEOUT)) {
        for (const write of writes) write.reject(error);
      } else {
        this.#oneByOne(writes);
      }
      return;
    }
    for (const [i, write] of writes.entries()) this.#settle(write, results[i]);
  }

  #oneByOne(writes: PendingWrite[]): void {
    for (const write of writes) {
      let result: unknown;
      try {
        result = this.connection.immediate('write', write.work);
      } catch (error) {
        write.reject(error);
        continue;
      }
      this.#settle(write, result);
    }
  }

  #settle(write: PendingWrite, result: unknown): void {
    try {
      write.after?.(result);
    } finally {
      write.resolve(result);
    }
  }
}
