import type { App, Pool, PoolContext } from '@tq/core';

/** What a pool declares about itself; the suite runs the cases these allow. */
export interface PoolFeatures {
  /** The hard time limit stops even CPU-bound code, and a task that exits its thread/process gives `lost` (threads, prefork). */
  terminates: boolean;
  /** Values cross a thread/process boundary: a result that cannot be cloned fails with TQ_ENCODE. */
  isolated: boolean;
  /** The pool has grow() and shrink(). */
  resizable: boolean;
}

export interface PoolSuiteOptions {
  /** Shown in the suite's title: `pool conformance: <name>`. */
  name: string;
  /** A new, unstarted pool for the context the suite builds (`{ app, concurrency, appModule }`); the suite starts and closes it. */
  create: (context: PoolContext) => Pool | Promise<Pool>;
  /**
   * Absolute path of a module exporting `app` with `registerPoolSuiteTasks(app)` applied: pools that run tasks in
   * threads or child processes load it there. A TypeScript module needs tsx installed where it lives.
   */
  appModule: string;
  /** The app that module exports, as this process imported it. */
  app: App;
  /** Read from a pool create() returns (`terminates`, `isolated` flags, grow/shrink) unless given; required when create() is async. */
  features?: Partial<PoolFeatures>;
  /** Multiplies every wait and deadline (default 1). */
  timeScale?: number;
}
