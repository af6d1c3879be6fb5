import { setMaxListeners } from 'node:events';

/**
 * An AbortController whose signal many waiters listen to at once: a worker's shutdown signal is awaited by every
 * held ETA task and rate-limited task, a transport's close by every waiting consumer. Node warns about a possible
 * leak past 10 listeners; here that many is the design, and each waiter removes its listener when done.
 */
export function sharedAbortController(): AbortController {
  const controller = new AbortController();
  setMaxListeners(0, controller.signal);
  return controller;
}
