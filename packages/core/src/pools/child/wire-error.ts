import type { ErrorMatcher, TaskOptions } from '../../app/task-options.js';
import {
  Ignore,
  MaxRetriesExceededError,
  Reject,
  Retry,
  SoftTimeLimitExceeded,
  TaskFailedError,
  TaskRevokedError,
  TimeLimitExceeded,
  WorkerLostError,
} from '../../errors/task-errors.js';
import { type ErrorCode, TqError } from '../../errors/tq-error.js';

/**
 * An error flattened to cross a thread or process boundary. Classes do not cross, so the child records what the
 * parent needs to rebuild an equivalent error: the control errors (Retry, Reject, Ignore) with their fields,
 * TqError's code/retryable/details, name/message/stack, the error's own fields, the cause chain, and which of the
 * task's autoretryFor/dontAutoretryFor classes the original is an instance of.
 *
 * Why the class matches travel as indexes: the child is where the task's error classes exist, so `instanceof` is
 * decided there. The parent loaded the same module, so the same index names the same class in its own copy of the
 * task options; the rebuilt error adopts that class's prototype, and the worker's `instanceof` checks (autoretry,
 * logs) behave as they do in-process. Predicate matchers run in the parent on the rebuilt error.
 */
export interface WireError {
  kind: 'retry' | 'reject' | 'ignore' | 'error' | 'thrown';
  name: string;
  message: string;
  stack?: string;
  /** Own enumerable fields of the error, made cloneable (uncloneable values become strings). */
  fields: Record<string, unknown>;
  tq?: { code: string; retryable: boolean; details?: Record<string, unknown> };
  retry?: { countdown?: number; eta?: Date; maxRetries?: number | null; exc?: WireError };
  reject?: { reason: string; requeue: boolean };
  cause?: WireError;
  /** A thrown value that is not an Error (`throw 'text'`). */
  thrown?: unknown;
  matchedClasses?: { autoretryFor: number[]; dontAutoretryFor: number[] };
}

const MAX_DEPTH = 5;
const RESERVED = new Set(['name', 'message', 'stack', 'cause', 'code', 'retryable', 'details', 'options', 'reason', 'requeue']);
const BUILTIN_ERRORS: Record<string, ErrorConstructor> = {
  TypeError,
  RangeError,
  SyntaxError,
  ReferenceError,
  EvalError,
  URIError,
};
const TQ_ERRORS: Record<string, { prototype: object }> = {
  TimeLimitExceeded,
  SoftTimeLimitExceeded,
  WorkerLostError,
  MaxRetriesExceededError,
  TaskFailedError,
  TaskRevokedError,
};

/** Child side: flatten `error`, recording which class matchers of the task it is an instance of. */
export function encodeError(error: unknown, options?: Pick<TaskOptions, 'autoretryFor' | 'dontAutoretryFor'>, depth = 0): WireError {
  if (!(error instanceof Error)) {
    return { kind: 'thrown', name: 'Error', message: describe(error), fields: {}, thrown: cloneable(error) };
  }
  const wire: WireError = {
    kind: error instanceof Retry ? 'retry' : error instanceof Reject ? 'reject' : error instanceof Ignore ? 'ignore' : 'error',
    name: typeof error.name === 'string' ? error.name : 'Error',
    message: typeof error.message === 'string' ? error.message : describe(error.message),
    stack: typeof error.stack === 'string' ? error.stack : undefined,
    fields: ownFields(error),
  };
  if (TqError.is(error)) {
    wire.tq = { code: error.code, retryable: Boolean(error.retryable), details: cloneable(error.details) as Record<string, unknown> | undefined };
  } else if ('code' in error && error.code !== undefined) {
    wire.fields.code = cloneable(error.code);
  }
  if (error instanceof Retry) {
    const { countdown, eta, maxRetries, exc } = error.options;
    wire.retry = { countdown, eta, maxRetries, exc: exc === undefined || depth >= MAX_DEPTH ? undefined : encodeError(exc, undefined, depth + 1) };
  }
  if (error instanceof Reject) wire.reject = { reason: String(error.reason), requeue: Boolean(error.requeue) };
  if (error.cause !== undefined && depth < MAX_DEPTH && !(error instanceof Retry)) wire.cause = encodeError(error.cause, undefined, depth + 1);
  if (options && (options.autoretryFor?.length || options.dontAutoretryFor?.length)) {
    wire.matchedClasses = {
      autoretryFor: matchedClassIndexes(options.autoretryFor, error),
      dontAutoretryFor: matchedClassIndexes(options.dontAutoretryFor, error),
    };
  }
  return wire;
}

/** Parent side: rebuild an error equivalent to the one the child flattened. */
export function decodeError(wire: WireError, options?: Pick<TaskOptions, 'autoretryFor' | 'dontAutoretryFor'>): unknown {
  if (wire.kind === 'thrown') return wire.thrown;
  const cause = wire.cause ? decodeError(wire.cause) : undefined;
  let error: Error;
  if (wire.kind === 'retry') {
    const retry = wire.retry ?? {};
    error = new Retry({ countdown: retry.countdown, eta: retry.eta, maxRetries: retry.maxRetries, exc: retry.exc ? decodeError(retry.exc) : undefined }, wire.message);
  } else if (wire.kind === 'reject') {
    error = new Reject(wire.reject?.reason ?? wire.message, wire.reject?.requeue ?? false);
  } else if (wire.kind === 'ignore') {
    error = new Ignore(wire.message);
  } else if (wire.tq) {
    error = new TqError(wire.tq.code as ErrorCode, wire.message, { retryable: wire.tq.retryable, details: wire.tq.details, cause });
    const known = TQ_ERRORS[wire.name];
    if (known) Object.setPrototypeOf(error, known.prototype);
  } else {
    const Builtin = BUILTIN_ERRORS[wire.name] ?? Error;
    error = new Builtin(wire.message, cause === undefined ? undefined : { cause });
  }
  Object.defineProperty(error, 'name', { value: wire.name, writable: true, configurable: true, enumerable: false });
  if (wire.stack !== undefined) error.stack = wire.stack;
  for (const [key, value] of Object.entries(wire.fields)) {
    if (!(key in error) || Object.getOwnPropertyDescriptor(error, key)?.writable) (error as unknown as Record<string, unknown>)[key] = value;
  }
  if (wire.kind === 'error' && wire.matchedClasses && options) adoptMatchedClass(error, wire.matchedClasses, options);
  return error;
}

/** Summarises a value that is neither an Error nor cloneable, for messages. */
export function describe(value: unknown): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'function') return `[function ${value.name || 'anonymous'}]`;
  try {
    return String(value);
  } catch {
    return Object.prototype.toString.call(value);
  }
}

/** The value itself when structured clone can carry it, else a string describing it. */
export function cloneable(value: unknown): unknown {
  if (value === undefined || value === null || typeof value !== 'object') {
    return typeof value === 'function' || typeof value === 'symbol' ? describe(value) : value;
  }
  try {
    structuredClone(value);
    return value;
  } catch {
    return describe(value);
  }
}

function ownFields(error: Error): Record<string, unknown> {
  const fields: Record<string, unknown> = {};
  for (const key of Object.keys(error)) {
    if (!RESERVED.has(key)) fields[key] = cloneable((error as unknown as Record<string, unknown>)[key]);
  }
  return fields;
}

function isErrorClass(matcher: ErrorMatcher): matcher is abstract new (...args: any[]) => Error {
  return typeof matcher === 'function' && (matcher === Error || matcher.prototype instanceof Error);
}

function matchedClassIndexes(matchers: ReadonlyArray<ErrorMatcher> | undefined, error: Error): number[] {
  const indexes: number[] = [];
  matchers?.forEach((matcher, index) => {
    if (isErrorClass(matcher) && error instanceof matcher) indexes.push(index);
  });
  return indexes;
}

/** Gives the rebuilt error the most derived of the classes the child matched, so `instanceof` agrees. */
function adoptMatchedClass(
  error: Error,
  matched: NonNullable<WireError['matchedClasses']>,
  options: Pick<TaskOptions, 'autoretryFor' | 'dontAutoretryFor'>,
): void {
  const classes = [
    ...matched.autoretryFor.map((index) => options.autoretryFor?.[index]),
    ...matched.dontAutoretryFor.map((index) => options.dontAutoretryFor?.[index]),
  ].filter((matcher): matcher is abstract new (...args: any[]) => Error => matcher !== undefined && isErrorClass(matcher));
  const mostDerived = classes.find((candidate) => classes.every((other) => candidate === other || candidate.prototype instanceof other));
  const chosen = mostDerived ?? classes[0];
  if (chosen && !(error instanceof chosen)) Object.setPrototypeOf(error, chosen.prototype);
}
