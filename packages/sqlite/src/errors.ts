import { ErrorCodes, TqError } from '@tq/core';

/**
 * The one place that looks at better-sqlite3 errors: turns them into TqError with a stable code. A lock held past
 * busy_timeout is retryable (TQ_TIMEOUT); a file that cannot be opened is TQ_CONNECTION_LOST; anything else the
 * database refuses (disk full, read-only, corrupt) is TQ_BROKER_REFUSED.
 */
export function sqliteError(error: unknown, what: string): TqError {
  if (TqError.is(error)) return error;
  const code = typeof (error as { code?: unknown })?.code === 'string' ? (error as { code: string }).code : undefined;
  const message = error instanceof Error ? error.message : String(error);
  const details = { operation: what, sqliteCode: code };
  if (code?.startsWith('SQLITE_BUSY') || code?.startsWith('SQLITE_LOCKED')) {
    return new TqError(ErrorCodes.TIMEOUT, `sqlite: ${what}: database is locked (${message})`, {
      cause: error,
      retryable: true,
      details,
    });
  }
  if (code?.startsWith('SQLITE_CANTOPEN') || code?.startsWith('SQLITE_NOTADB') || code?.startsWith('SQLITE_IOERR')) {
    return new TqError(ErrorCodes.CONNECTION_LOST, `sqlite: ${what}: ${message}`, { cause: error, details });
  }
  if (error instanceof TypeError && /database connection is not open/i.test(message)) {
    return new TqError(ErrorCodes.CLOSED, `sqlite: ${what}: the database is closed`, { cause: error, details });
  }
  return new TqError(ErrorCodes.BROKER_REFUSED, `sqlite: ${what}: ${message}`, { cause: error, details });
}

/** Runs a synchronous database operation, mapping what it throws. */
export function guarded<T>(what: string, operation: () => T): T {
  try {
    return operation();
  } catch (error) {
    throw sqliteError(error, what);
  }
}

export function closedError(owner: 'transport' | 'result backend', what: string): TqError {
  return new TqError(ErrorCodes.CLOSED, `sqlite ${owner} is closed (${what})`);
}

/**
 * JSON text of a value, or TQ_ENCODE when JSON would silently lose part of it: functions, symbols, BigInt, Map,
 * Set, typed arrays and cycles are refused rather than stored without them. (`undefined` properties are dropped,
 * as in JSON; Dates become ISO strings through their toJSON.)
 */
export function toJson(value: unknown, what: string): string {
  try {
    return JSON.stringify(value ?? null, strictReplacer);
  } catch (cause) {
    throw new TqError(
      ErrorCodes.ENCODE,
      `sqlite: ${what} is not JSON-compatible: ${(cause as Error)?.message ?? cause}`,
      {
        cause,
      },
    );
  }
}

function strictReplacer(key: string, value: unknown): unknown {
  const type = typeof value;
  if (type === 'function' || type === 'symbol') throw new TypeError(`${type} at "${key}"`);
  if (value instanceof Map || value instanceof Set) throw new TypeError(`${value.constructor.name} at "${key}"`);
  if (ArrayBuffer.isView(value) || value instanceof ArrayBuffer) throw new TypeError(`binary data at "${key}"`);
  return value;
}

export function fromJson(text: string, what: string): unknown {
  try {
    return JSON.parse(text);
  } catch (cause) {
    throw new TqError(ErrorCodes.DECODE, `sqlite: stored ${what} is not valid JSON`, { cause });
  }
}
