import { type App, ErrorCodes, Ignore, Reject, sleep, TqError } from '@tq/core';

/** The error class the suite's tasks throw: its fields must survive the trip back from a thread or child. */
export class PoolFixtureError extends Error {
  override name = 'PoolFixtureError';
  constructor(
    message: string,
    readonly attempt: number,
    readonly detail: Record<string, unknown>,
  ) {
    super(message);
  }
}

/** A subclass: autoretryFor lists only the base class, as users do. */
export class PoolFixtureSubError extends PoolFixtureError {
  override name = 'PoolFixtureSubError';
}

export type PoolFixtureFailure = 'error' | 'type' | 'retry' | 'reject' | 'ignore' | 'tq' | 'value' | 'cause';

/**
 * Registers the tasks poolSuite runs (all named `pool.*`). The module a pool's threads or children load must
 * export an app with these tasks:
 *
 * ```ts
 * import { createApp } from '@tq/core';
 * import { registerPoolSuiteTasks } from '@tq/conformance';
 * export const app = createApp({ name: 'pool-conformance', broker: 'memory://', backend: null });
 * registerPoolSuiteTasks(app);
 * ```
 */
export function registerPoolSuiteTasks(app: App): void {
  app.task('pool.add', (x: number, y: number) => x + y);
  app.task('pool.echo', (value: unknown) => value);
  app.task('pool.request', function (...args: unknown[]) {
    const { id, task, retries, args: requestArgs, kwargs } = this.request;
    return { id, task, retries, requestArgs, kwargs, received: args };
  });
  app.task('pool.sleep', async (ms: number) => {
    const start = Date.now();
    await sleep(ms);
    return { start, end: Date.now() };
  });
  app.task('pool.fail', function (kind: PoolFixtureFailure) {
    switch (kind) {
      case 'error':
        throw new PoolFixtureError('fixture failure', 3, { a: 1, list: ['x'] });
      case 'type':
        throw new TypeError('not a function, fixture');
      case 'retry':
        throw this.retry({ countdown: 7, maxRetries: 5, eta: new Date(Date.UTC(2030, 0, 1)), exc: new RangeError('inner') });
      case 'reject':
        throw new Reject('fixture reject', true);
      case 'ignore':
        throw new Ignore('fixture ignore');
      case 'tq':
        throw new TqError(ErrorCodes.DECODE, 'fixture tq error', { retryable: true, details: { field: 'x', n: 2 } });
      case 'value':
        throw 'a thrown string';
      case 'cause':
        throw new Error('outer', { cause: new PoolFixtureError('root cause', 1, {}) });
    }
  });
  app.task(
    'pool.autoretry',
    () => {
      throw new PoolFixtureSubError('retry me', 1, {});
    },
    { autoretryFor: [PoolFixtureError], maxRetries: 1 },
  );
  /** Resolves when the soft limit fires the task's signal (or after `maxWaitMs`), saying which happened. */
  app.task('pool.softLimit', function (maxWaitMs: number) {
    const { signal } = this;
    return new Promise((resolve) => {
      const timer = setTimeout(() => resolve({ aborted: false }), maxWaitMs);
      signal.addEventListener('abort', () => {
        clearTimeout(timer);
        resolve({ aborted: true, reason: (signal.reason as Error | undefined)?.name });
      });
    });
  });
  /** Ends only when its signal fires, with the signal's reason. */
  app.task('pool.waitForAbort', function () {
    const { signal } = this;
    return new Promise((_, reject) => signal.addEventListener('abort', () => reject(signal.reason)));
  });
  /** Awaits forever and ignores its signal. */
  app.task('pool.hang', () => new Promise(() => {}));
  /** Never yields: only a pool that terminates threads or processes can stop it. */
  app.task('pool.spin', () => {
    for (;;) {
      // busy
    }
  });
  app.task('pool.exit', (code: number) => process.exit(code));
  app.task('pool.returnFunction', () => () => 'functions cannot be cloned');
}
