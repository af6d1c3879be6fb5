/** Options fixed when a task is defined. Celery's names and units (seconds) where Celery has the option. */
export interface TaskOptions {
  queue?: string;
  routingKey?: string;
  exchange?: string;
  priority?: number;
  /** Retries allowed by `retry()` / autoretry; null = forever. Default 3 (Celery's). */
  maxRetries?: number | null;
  /** Seconds before a retry when none is given. Default 180 (Celery's). */
  defaultRetryDelay?: number;
  /** Retry automatically when the task throws one of these (classes, or predicates). */
  autoretryFor?: ReadonlyArray<ErrorMatcher>;
  /** Never autoretry these, even if autoretryFor matches. */
  dontAutoretryFor?: ReadonlyArray<ErrorMatcher>;
  /** Exponential backoff for autoretry: true = factor 1, or the factor in seconds. */
  retryBackoff?: boolean | number;
  /** Cap for the backoff, seconds. Default 600. */
  retryBackoffMax?: number;
  /** Randomise the backoff (full jitter). Default true. */
  retryJitter?: boolean;
  /** Per-worker rate limit: '100/s', '10/m', '5/h', or tasks per second. */
  rateLimit?: string | number;
  /** Hard time limit in seconds: the task fails with TimeLimitExceeded. */
  timeLimit?: number;
  /** Soft time limit in seconds: the task's AbortSignal fires. */
  softTimeLimit?: number;
  ignoreResult?: boolean;
  /** Store a STARTED state when the task starts. */
  trackStarted?: boolean;
  /** Acknowledge after the task finishes (default true in tq; Celery's default is false). */
  acksLate?: boolean;
  /** Default expiry in seconds from publish. */
  expires?: number;
  serializer?: string;
  compression?: string;
}

export type ErrorMatcher = (abstract new (...args: any[]) => Error) | ((error: unknown) => boolean);

/** Options for one call (`applyAsync`). Seconds for Celery-named options. */
export interface ApplyOptions {
  /** Seconds from now. */
  countdown?: number;
  eta?: Date | string;
  /** Seconds from now, or an absolute time. */
  expires?: number | Date | string;
  priority?: number;
  queue?: string;
  routingKey?: string;
  exchange?: string;
  /** Custom headers, visible to the task as `request.headers`. */
  headers?: Record<string, unknown>;
  taskId?: string;
  /** Hard time limit, seconds. */
  timeLimit?: number;
  /** Soft time limit, seconds. */
  softTimeLimit?: number;
  ignoreResult?: boolean;
  serializer?: string;
  compression?: string;
  shadow?: string;
  /** Retry the publish itself on connection errors (default true). */
  retry?: boolean;
  retryPolicy?: PublishRetryPolicy;
  signal?: AbortSignal;
  /** Workflow fields, set by canvas and by tasks calling tasks. */
  parentId?: string | null;
  rootId?: string;
  groupId?: string | null;
  groupIndex?: number | null;
  retries?: number;
  link?: unknown;
  linkError?: unknown;
  chain?: unknown[] | null;
  chord?: unknown | null;
  replyTo?: string;
}

/** Celery's publish retry policy (seconds). */
export interface PublishRetryPolicy {
  maxRetries?: number;
  intervalStart?: number;
  intervalStep?: number;
  intervalMax?: number;
}

export const DEFAULT_PUBLISH_RETRY: Required<PublishRetryPolicy> = {
  maxRetries: 3,
  intervalStart: 0,
  intervalStep: 0.2,
  intervalMax: 1,
};
