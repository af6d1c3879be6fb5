import { ErrorCodes, TqError } from '@tq/core';

/** memcached binary-protocol response statuses we act on. */
export const Status = {
  OK: 0x00,
  NOT_FOUND: 0x01,
  EXISTS: 0x02,
  TOO_LARGE: 0x03,
  NOT_STORED: 0x05,
  NON_NUMERIC: 0x06,
  OUT_OF_MEMORY: 0x82,
  BUSY: 0x85,
  TEMPORARY_FAILURE: 0x86,
} as const;

/** The one place that turns memcached statuses and memjs errors into TqErrors. */
export function statusError(status: number, operation: string, key: string): TqError {
  const details = { operation, key, status };
  switch (status) {
    case Status.TOO_LARGE:
      return new TqError(
        ErrorCodes.MESSAGE_TOO_LARGE,
        `memcached: value for ${key} is larger than the server's item size limit`,
        {
          details,
        },
      );
    case Status.NON_NUMERIC:
      return new TqError(ErrorCodes.WRONG_TYPE, `memcached: ${key} does not hold a counter`, { details });
    case Status.OUT_OF_MEMORY:
    case Status.BUSY:
    case Status.TEMPORARY_FAILURE:
      return new TqError(
        ErrorCodes.BROKER_REFUSED,
        `memcached: ${operation} ${key} refused for now (status 0x${status.toString(16)})`,
        {
          details,
          retryable: true,
        },
      );
    default:
      return new TqError(
        ErrorCodes.BROKER_REFUSED,
        `memcached: ${operation} ${key} failed with status 0x${status.toString(16)}`,
        {
          details,
        },
      );
  }
}

export function connectionError(error: unknown, operation: string, where: string): TqError {
  const reason = error instanceof Error ? error.message : String(error);
  return new TqError(ErrorCodes.CONNECTION_LOST, `memcached: ${operation} failed talking to ${where}: ${reason}`, {
    cause: error,
    retryable: true,
    details: { operation, server: where },
  });
}

export function closedError(operation: string): TqError {
  return new TqError(ErrorCodes.CLOSED, `memcached: result backend is closed (${operation})`, {
    details: { operation },
  });
}
