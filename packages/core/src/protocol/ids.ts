import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';

/** A new task id: a random (version 4) UUID, as Celery's `uuid()`. */
export function newTaskId(): string {
  return randomUUID();
}

/**
 * The `origin` header of messages this process sends: Celery's anon_nodename format, `gen<pid>@<hostname>`
 * (celery/utils/nodenames.py).
 */
export function originName(): string {
  // Computed once, like Celery's memoized gethostname(); a forked child has its own module state.
  cachedOrigin ??= `gen${process.pid}@${hostname()}`;
  return cachedOrigin;
}

let cachedOrigin: string | undefined;
