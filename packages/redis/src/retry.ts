import type { TransportContext } from './context.js';
import { closedError, isConnectionError, toTqError } from './errors.js';

/** Resolves after `ms`, or at once when `signal` aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}

/**
 * Runs an idempotent operation (an ack, a compare-and-move) until it reaches Redis: a dropped connection is waited
 * out with capped backoff (about a minute in all); any other failure, or the transport closing, is thrown.
 */
export async function retryOnConnectionLoss<T>(ctx: TransportContext, operation: () => Promise<T>, what: string): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await operation();
    } catch (error) {
      if (ctx.isClosed()) throw closedError(what);
      if (!isConnectionError(error) || attempt >= 30) throw toTqError(error, what);
      await sleep(Math.min(100 * 2 ** attempt, 2000));
    }
  }
}
