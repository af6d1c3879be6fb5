import { abortError, ErrorCodes, TqError } from '@tq/core';

/** Resolves after `ms`, or rejects with TQ_ABORTED when the signal fires first. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(abortError(signal, 'wait'));
    const onAbort = () => {
      clearTimeout(timer);
      reject(abortError(signal, 'wait'));
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** Exponential backoff with ±20 % jitter, capped. */
export function backoffDelay(attempt: number, initialMs: number, maxMs: number): number {
  const base = Math.min(maxMs, initialMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(base * (0.8 + Math.random() * 0.4));
}

/**
 * Races `promise` against a timeout and a signal. On timeout rejects with `onTimeout()`; on abort with TQ_ABORTED.
 * The underlying promise keeps running (callers make sure its outcome is harmless).
 */
export function bounded<T>(promise: Promise<T>, timeoutMs: number, onTimeout: () => TqError, signal?: AbortSignal, what = 'operation'): Promise<T> {
  if (signal?.aborted) return Promise.reject(abortError(signal, what));
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => {
      cleanup();
      reject(abortError(signal, what));
    };
    const timer = Number.isFinite(timeoutMs) ? setTimeout(() => {
      cleanup();
      reject(onTimeout());
    }, timeoutMs) : undefined;
    const cleanup = () => {
      if (timer) clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        cleanup();
        resolve(value);
      },
      (error) => {
        cleanup();
        reject(error);
      },
    );
  });
}

export function closedError(what: string): TqError {
  return new TqError(ErrorCodes.CLOSED, `${what}: the AMQP transport is closed`);
}

/** A promise with its settle functions exposed. */
export function deferred<T>(): { promise: Promise<T>; resolve: (value: T) => void; reject: (error: unknown) => void } {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}
