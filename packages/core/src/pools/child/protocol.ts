import type { PoolJob } from '../../contracts/pool.js';
import type { WireError } from './wire-error.js';

/**
 * The messages a pool and its threads or child processes exchange. Everything here crosses by structured clone
 * (worker_threads' postMessage, or child_process IPC with `serialization: 'advanced'`).
 */

/** Sent once, first: what the child loads. */
export interface ChildInit {
  type: 'init';
  /** Absolute path of the module that exports the app. */
  appModule: string;
  /** True when a TypeScript loader is already registered in the child (tq running from its own sources). */
  typescriptReady: boolean;
  /** Broker/backend URLs that override the module's config, as on the parent's command line. */
  appSettings?: ChildAppSettings;
}

export interface ChildAppSettings {
  broker?: string;
  backend?: string | null;
}

export type ParentMessage =
  | ChildInit
  | { type: 'run'; jobId: number; job: PoolJob }
  | { type: 'abort'; jobId: number; reason: WireError }
  /** Finish nothing new, close the app's connections and exit. */
  | { type: 'shutdown' };

/** A job's outcome as it crosses back: the error is flattened, `lost` never comes from a child. */
export type WireOutcome =
  | { status: 'success'; value: unknown; runtimeMs: number }
  | { status: 'failure'; error: WireError; runtimeMs: number };

export type ChildMessage =
  | { type: 'ready'; pid: number; threadId: number }
  | { type: 'startup-failed'; error: WireError }
  /** `memoryKb`: resident set size (process) or V8 heap in use (thread) after the job, for maxMemoryPerChild. */
  | { type: 'done'; jobId: number; outcome: WireOutcome; memoryKb: number }
  | { type: 'log'; level: 'warn' | 'error'; message: string; error?: WireError };
