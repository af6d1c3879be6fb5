import { abortError } from '../errors/tq-error.js';

/** Resolves after `ms`, or rejects with TQ_ABORTED when the signal fires. The timer never keeps the process alive. */
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
    timer.unref?.();
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
