import { abortError, type PublishItem, type TqError } from '@tq/core';

interface Waiting {
  item: PublishItem;
  resolve: () => void;
  reject: (error: unknown) => void;
}

/**
 * Single publishes made in the same turn (a thousand `delay()` calls in a loop, a worker storing follow-ups) go out
 * as one pipeline: one socket write instead of one per message. Each caller still gets its own outcome, and its
 * own signal: one aborted before the flush is not sent; one aborted after it is rejected, though the message may
 * already be in Redis, as with an uncoalesced publish. The flush runs as a microtask, so a lone publish is not
 * delayed by a turn of the event loop.
 */
export class PublishCoalescer {
  private waiting: Waiting[] = [];

  constructor(private readonly send: (items: readonly PublishItem[]) => Promise<(TqError | undefined)[]>) {}

  publish(item: PublishItem): Promise<void> {
    const signal = item.options.signal;
    if (signal?.aborted) return Promise.reject(abortError(signal, 'publish'));
    const done = new Promise<void>((resolve, reject) => {
      if (this.waiting.push({ item, resolve, reject }) === 1) queueMicrotask(() => this.flush());
    });
    return signal ? raceAbort(done, signal) : done;
  }

  private flush(): void {
    const batch = this.waiting.filter((entry) => !entry.item.options.signal?.aborted);
    this.waiting = [];
    if (batch.length === 0) return;
    this.send(batch.map((entry) => entry.item)).then(
      (failures) => {
        for (const [i, entry] of batch.entries()) {
          const failure = failures[i];
          if (failure) entry.reject(failure);
          else entry.resolve();
        }
      },
      (error: unknown) => {
        for (const entry of batch) entry.reject(error);
      },
    );
  }
}

function raceAbort(done: Promise<void>, signal: AbortSignal): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const onAbort = () => reject(abortError(signal, 'publish'));
    signal.addEventListener('abort', onAbort, { once: true });
    done.then(
      () => {
        signal.removeEventListener('abort', onAbort);
        resolve();
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}
