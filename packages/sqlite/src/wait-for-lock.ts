import { ErrorCodes, TqError } from '@tq/core';

const pause = new Int32Array(new SharedArrayBuffer(4));

/**
 * Runs a synchronous database step, trying again while it fails with a busy lock, until `timeoutMs` has passed.
 *
 * SQLite's busy_timeout covers ordinary reads and writes, but not every lock: switching a file to WAL while another
 * process holds a rollback-journal lock (as when two processes open a new file at the same moment) returns
 * SQLITE_BUSY at once. better-sqlite3 is synchronous, so the wait is too, like busy_timeout's own.
 */
export function waitForLock<T>(timeoutMs: number, step: () => T): T {
  const deadline = Date.now() + timeoutMs;
  for (let delayMs = 2; ; delayMs = Math.min(delayMs * 2, 100)) {
    try {
      return step();
    } catch (error) {
      if (!TqError.is(error, ErrorCodes.TIMEOUT) || Date.now() + delayMs > deadline) throw error;
      Atomics.wait(pause, 0, 0, delayMs);
    }
  }
}
