import type { Pool } from '../contracts/pool.js';
import type { ResultBackend } from '../contracts/result-backend.js';
import type { Transport } from '../contracts/transport.js';
import type { App } from '../app/app.js';
import type { Logger } from './logger.js';
import type { PoolOptions } from '../pools/supervised/pool-options.js';
import type { ChildAppSettings } from '../pools/child/protocol.js';

export interface WorkerOptions {
  app: App;
  /** Overrides the app's broker. */
  transport?: Transport;
  /** Overrides the app's result backend; null disables result storage. */
  backend?: ResultBackend | null;
  /** Pool name (`async`, `solo`, `threads`, `prefork`) or an instance. Default `async`. */
  pool?: string | Pool;
  /** Task bodies run at once. Default: 32 for async, 1 for solo, CPUs for threads/prefork. */
  concurrency?: number;
  /** Queues to consume. Default: the app's default queue (`celery`). */
  queues?: string[];
  /** Messages fetched ahead per concurrency slot (Celery's worker_prefetch_multiplier). Default 4. */
  prefetchMultiplier?: number;
  /** Node name in results and logs. Default `tq@<host>`. */
  hostname?: string;
  logger?: Logger;
  /** A message delivered more than this many times (its workers kept dying) is failed and dead-lettered. Default 10. */
  maxDeliveries?: number;
  /**
   * ETAs closer than this are held in memory until due; later ones go back to the broker with a delay (where the
   * broker has delayed delivery), so nothing is hoarded past a lease. Default 2000 ms.
   */
  etaHoldMs?: number;
  /** Run ETA/countdown tasks as soon as they arrive (test mode's fast-forward). Default false. */
  eagerEta?: boolean;
  /** How often leases of held or running messages are extended, where the broker leases. Default 10 s. */
  leaseHeartbeatMs?: number;
  /** threads/prefork: maxTasksPerChild, maxMemoryPerChildKb, autoscale {max, min}. */
  poolOptions?: PoolOptions;
  /** Broker/backend URLs that threads/prefork children apply over the module's config (the CLI's --broker). */
  appSettings?: ChildAppSettings;
  /** The module that defines the app (pools that load it in threads or children need it). */
  appModule?: string;
  /** Content types or serializer names to accept; default the app's accept list, else ['json']. */
  accept?: string[];
}
