import type { ErrorMatcher, TaskOptions } from '../app/task-options.js';

/** Celery's get_exponential_backoff_interval: min(max, factor * 2^retries), with full jitter when asked. */
export function backoffSeconds(options: TaskOptions, retries: number, random: () => number = Math.random): number {
  const factor = options.retryBackoff === true ? 1 : Number(options.retryBackoff || 0);
  const countdown = Math.min(options.retryBackoffMax ?? 600, factor * 2 ** retries);
  if (options.retryJitter === false) return countdown;
  return Math.floor(random() * (Math.floor(countdown) + 1));
}

/** True when the task's autoretryFor matches the error and dontAutoretryFor does not. */
export function shouldAutoretry(options: TaskOptions, error: unknown): boolean {
  if (!options.autoretryFor?.length) return false;
  if (options.dontAutoretryFor?.some((matcher) => matches(matcher, error))) return false;
  return options.autoretryFor.some((matcher) => matches(matcher, error));
}

function matches(matcher: ErrorMatcher, error: unknown): boolean {
  if (isErrorClass(matcher)) return error instanceof matcher;
  return (matcher as (error: unknown) => boolean)(error);
}

function isErrorClass(matcher: ErrorMatcher): matcher is abstract new (...args: any[]) => Error {
  return typeof matcher === 'function' && (matcher === Error || matcher.prototype instanceof Error);
}
