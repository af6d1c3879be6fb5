import { abortError } from '../errors/tq-error.js';

/**
 * Resolves after `ms`, or rejects with TQ_ABORTED when the signal fires. The timer keeps the process alive, like
 * any work being awaited: an unref'd one let `tq call` exit mid-retry (Node's exit code 13, an unsettled top-level
 * await) when a publish waited to try again. Callers that must not hold up a shutdown pass a signal.
 */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(abortError(signal, 'sleep'));
    const onAbort = () => {
      clearTimeout(timer);
      reject(abortError(signal, 'sleep'));
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
