import type { Pool } from '../contracts/pool.js';
import type { ResultBackend, ResultMeta } from '../contracts/result-backend.js';
import type { Transport } from '../contracts/transport.js';
import type { App } from '../app/app.js';
import type { TaskMessage } from '../protocol/task-message.js';
import type { Logger } from './logger.js';
import type { TokenBucket } from './rate-limiter.js';

/** What the parts of a running worker share. */
export interface WorkerRuntime {
  app: App;
  transport: Transport;
  backend: ResultBackend | undefined;
  pool: Pool;
  hostname: string;
  logger: Logger;
  accept: readonly string[];
  maxDeliveries: number;
  etaHoldMs: number;
  eagerEta: boolean;
  leaseHeartbeatMs: number;
  /** Task ids revoked on this worker (remote control fills it). */
  revoked: Set<string>;
  rateLimiters: Map<string, TokenBucket | null>;
  /** Aborts waits that happen before a task starts (ETA holds, rate limits) on warm shutdown. */
  holdSignal: AbortSignal;
  /** True once a cold shutdown began: outcomes of killed tasks must not be acked. */
  coldShutdown: () => boolean;
  /** Store a meta unless results are disabled for this task. A backend error propagates: the message is handed back. */
  storeResult(message: TaskMessage, meta: ResultMeta): Promise<void>;
  /** Whether storeResult would write for this message (a backend is configured and the result is not ignored). */
  storesResult(message: TaskMessage): boolean;
}
