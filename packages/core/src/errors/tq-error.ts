/**
 * Every error tq raises on purpose is a TqError with a stable string `code`. Codes are part of the public API and
 * stay stable within a major version; messages may change. `retryable` says whether trying the same operation
 * again may succeed (a lost connection: yes; a malformed message: no).
 */
export const ErrorCodes = {
  /** A connection to a broker or store was lost or could not be made. */
  CONNECTION_LOST: 'TQ_CONNECTION_LOST',
  /** A URL could not be parsed, or names a scheme no adapter handles. */
  INVALID_URL: 'TQ_INVALID_URL',
  /** Configuration that cannot work (bad option value, missing option). */
  INVALID_CONFIG: 'TQ_INVALID_CONFIG',
  /** A body could not be decoded with its content type / encoding. */
  DECODE: 'TQ_DECODE',
  /** A value could not be encoded by the chosen serializer. */
  ENCODE: 'TQ_ENCODE',
  /** A message is not a Celery task message (missing headers, wrong body shape). */
  MALFORMED_MESSAGE: 'TQ_MALFORMED_MESSAGE',
  /** The content type is not in the worker's accept list (pickle is never accepted). */
  CONTENT_TYPE_REFUSED: 'TQ_CONTENT_TYPE_REFUSED',
  /** No serializer or compressor is registered for a content type / compression. */
  UNKNOWN_CONTENT_TYPE: 'TQ_UNKNOWN_CONTENT_TYPE',
  /** A message names a task that is not registered. */
  UNKNOWN_TASK: 'TQ_UNKNOWN_TASK',
  /** A message is larger than the transport can carry. */
  MESSAGE_TOO_LARGE: 'TQ_MESSAGE_TOO_LARGE',
  /** Waiting for something took longer than allowed. */
  TIMEOUT: 'TQ_TIMEOUT',
  /** The operation was aborted by its AbortSignal. */
  ABORTED: 'TQ_ABORTED',
  /** The adapter cannot do this (see its capabilities). */
  NOT_SUPPORTED: 'TQ_NOT_SUPPORTED',
  /** The object is closed. */
  CLOSED: 'TQ_CLOSED',
  /** A module passed to the command line exports no app. */
  NO_APP: 'TQ_NO_APP',
  /** The task failed; see `excType`, `excMessage`, `traceback`. */
  TASK_FAILED: 'TQ_TASK_FAILED',
  /** The task was revoked (or expired before it ran). */
  TASK_REVOKED: 'TQ_TASK_REVOKED',
  /** The task ran past its hard time limit. */
  TIME_LIMIT_EXCEEDED: 'TQ_TIME_LIMIT_EXCEEDED',
  /** The process or thread running the task died. */
  WORKER_LOST: 'TQ_WORKER_LOST',
  /** A retry was requested but the task has no retries left. */
  MAX_RETRIES_EXCEEDED: 'TQ_MAX_RETRIES_EXCEEDED',
  /** A signed message failed verification, or an unsigned one reached a worker that requires signatures. */
  SECURITY: 'TQ_SECURITY',
  /** The broker refused the operation (precondition failed, access refused, unroutable). */
  BROKER_REFUSED: 'TQ_BROKER_REFUSED',
  /** A key tq owns holds a value of the wrong type. */
  WRONG_TYPE: 'TQ_WRONG_TYPE',
  /** A chord could not complete (a part failed or was revoked). */
  CHORD_ERROR: 'TQ_CHORD_ERROR',
} as const;

export type ErrorCode = (typeof ErrorCodes)[keyof typeof ErrorCodes];

export interface TqErrorOptions {
  cause?: unknown;
  retryable?: boolean;
  /** Structured facts about the failure, for logs (never secrets). */
  details?: Record<string, unknown>;
}

export class TqError extends Error {
  override name = 'TqError';
  readonly code: ErrorCode;
  readonly retryable: boolean;
  readonly details: Record<string, unknown> | undefined;

  constructor(code: ErrorCode, message: string, options: TqErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.retryable = options.retryable ?? false;
    this.details = options.details;
  }

  /** True when `error` is a TqError, optionally with the given code (works across package copies). */
  static is(error: unknown, code?: ErrorCode): error is TqError {
    if (typeof error !== 'object' || error === null) return false;
    const candidate = error as { code?: unknown; name?: unknown };
    if (typeof candidate.code !== 'string' || !candidate.code.startsWith('TQ_')) return false;
    return code === undefined || candidate.code === code;
  }
}

/** Turns an AbortSignal's reason into the error tq throws for an aborted call. */
export function abortError(signal: AbortSignal | undefined, what: string): TqError {
  const reason = signal?.reason;
  if (TqError.is(reason)) return reason;
  return new TqError(ErrorCodes.ABORTED, `${what} was aborted`, { cause: reason });
}

/** Throws the abort error when the signal has fired. */
export function throwIfAborted(signal: AbortSignal | undefined, what: string): void {
  if (signal?.aborted) throw abortError(signal, what);
}
