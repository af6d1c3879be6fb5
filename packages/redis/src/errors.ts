import { ErrorCodes, TqError } from '@tq/core';

const AUTH_ERRORS = /^(WRONGPASS|NOAUTH|NOPERM)|invalid password|invalid username-password/i;

export function isAuthError(error: unknown): boolean {
  return error instanceof Error && AUTH_ERRORS.test(error.message);
}

const TLS_REFUSALS = /CERT|SELF_SIGNED|UNABLE_TO_VERIFY|UNABLE_TO_GET_ISSUER|ERR_TLS/;

/** The server's certificate was not accepted: trying again will not help. */
export function isTlsRefusal(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && TLS_REFUSALS.test(code);
}

export function isConnectionError(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string' && /^E[A-Z]+/.test(code) && !isTlsRefusal(error)) return true;
  return (
    error.name === 'MaxRetriesPerRequestError' ||
    /Connection is closed|Stream isn't writeable|connect ECONNREFUSED|socket hang up|read ECONNRESET|LOADING/i.test(error.message)
  );
}

/**
 * The only place that turns ioredis / Redis errors into TqErrors: auth refusals, wrong key types, lost
 * connections; anything else the server refused is TQ_BROKER_REFUSED with the original as `cause`.
 */
export function toTqError(error: unknown, what: string, details?: Record<string, unknown>): TqError {
  if (TqError.is(error)) return error;
  const message = error instanceof Error ? error.message : String(error);
  if (isAuthError(error)) {
    return new TqError(ErrorCodes.BROKER_REFUSED, `Redis refused the credentials (${what}): ${message}`, {
      cause: error,
      details: { ...details, reason: 'auth' },
    });
  }
  if (isTlsRefusal(error)) {
    return new TqError(ErrorCodes.BROKER_REFUSED, `the Redis server's TLS certificate was refused (${what}): ${message}`, {
      cause: error,
      details: { ...details, reason: 'tls' },
    });
  }
  if (message.startsWith('WRONGTYPE')) {
    return new TqError(ErrorCodes.WRONG_TYPE, `a key holds the wrong Redis type (${what}): ${message}`, {
      cause: error,
      ...(details ? { details } : {}),
    });
  }
  if (isConnectionError(error)) {
    return new TqError(ErrorCodes.CONNECTION_LOST, `lost the connection to Redis (${what}): ${message}`, {
      cause: error,
      retryable: true,
      ...(details ? { details } : {}),
    });
  }
  return new TqError(ErrorCodes.BROKER_REFUSED, `Redis refused ${what}: ${message}`, {
    cause: error,
    ...(details ? { details } : {}),
  });
}

export function closedError(what: string): TqError {
  return new TqError(ErrorCodes.CLOSED, `${what}: the Redis ${what.includes('backend') ? 'backend' : 'transport'} is closed`);
}
