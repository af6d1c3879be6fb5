import type { ResultBackend } from '../contracts/result-backend.js';
import type { Compressor, Serializer } from '../contracts/serializer.js';
import type { Transport } from '../contracts/transport.js';
import type { AdapterRegistration } from './adapter-registry.js';
import type { ApplyOptions, TaskOptions } from './task-options.js';

export type RouteTarget = Pick<ApplyOptions, 'queue' | 'routingKey' | 'exchange' | 'priority'>;
/** Celery's task_routes: exact names or globs (`emails.*`) to a route, or a function. */
export type TaskRoutes = Record<string, RouteTarget> | ((taskName: string) => RouteTarget | undefined);

/**
 * When a periodic task runs (Celery's beat_schedule `schedule`), as plain data that `tq beat` reads: seconds, every
 * N seconds, or a cron expression (5 fields, or 6 with seconds first) in a timezone (IANA name; default UTC).
 * `domAndDow` makes day-of-month and day-of-week both have to match, as Celery's crontab does; standard cron (the
 * default) runs when either matches. `every()` and `crontab()` from @tq/beat build these values.
 */
export type BeatSchedule = number | { every: number } | { cron: string; timezone?: string; domAndDow?: boolean };

/** One entry of Celery's beat_schedule: send `task` with `args`/`kwargs` and apply `options` on every run. */
export interface BeatEntry {
  task: string;
  schedule: BeatSchedule;
  args?: unknown[];
  kwargs?: Record<string, unknown>;
  /** queue, priority, expires (seconds from the send), ... as for `applyAsync`. */
  options?: ApplyOptions;
}

export interface AppConfig {
  /** Shown in logs and used in `origin`. */
  name?: string;
  /** A URL (`sqlite://./tq.db`, `redis://...`) or a Transport. Default: TQ_BROKER_URL, else sqlite://./tq.db. */
  broker?: string | Transport;
  /** A URL or ResultBackend; null for none. Default: TQ_RESULT_BACKEND, else the broker URL when it is SQLite. */
  backend?: string | ResultBackend | null;
  /** Where tasks go when nothing routes them. Default `celery`, as in Celery, so Python workers find them. */
  defaultQueue?: string;
  /** Serializer for task messages (name or content type). Default json. */
  taskSerializer?: string;
  /** Serializer results are stored with (Celery's result_serializer), for backends built from a URL. Default json. */
  resultSerializer?: string;
  /** Compression for task messages (name or MIME type). Default none. */
  compression?: string;
  /** Content types (or serializer names) a worker decodes. Default ['json']. Pickle is never accepted. */
  accept?: string[];
  /** Extra serializers and compressors (msgpack, yaml, ...). */
  serializers?: Serializer[];
  compressors?: Compressor[];
  /** Seconds results are kept. Default 86400 (1 day). */
  resultExpires?: number;
  routes?: TaskRoutes;
  /** Defaults for every task's options. */
  taskDefaults?: TaskOptions;
  /** Adapters that resolve URL schemes (`sqliteAdapter`, `redisAdapter`, ...); the `tq` command registers installed ones. */
  adapters?: AdapterRegistration[];
  /** Options passed to adapters built from URLs. */
  brokerOptions?: Record<string, unknown>;
  backendOptions?: Record<string, unknown>;
  /** Periodic tasks sent by `tq beat` (Celery's beat_schedule), by entry name. */
  beatSchedule?: Record<string, BeatEntry>;
}

export const DEFAULT_QUEUE = 'celery';
export const DEFAULT_BROKER_URL = 'sqlite://./tq.db';
export const DEFAULT_RESULT_EXPIRES_SECONDS = 86_400;
