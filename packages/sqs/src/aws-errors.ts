import { ErrorCodes, TqError } from '@tq/core';

/**
 * The only place that reads AWS SDK errors. SQS's JSON protocol names an error twice: the modelled name
 * (`QueueDoesNotExist`) and the old query code (`AWS.SimpleQueueService.NonExistentQueue`); match either.
 */
const ALIASES: Record<string, string> = {
  'AWS.SimpleQueueService.NonExistentQueue': 'QueueDoesNotExist',
  'AWS.SimpleQueueService.MessageNotInflight': 'MessageNotInflight',
  'AWS.SimpleQueueService.PurgeQueueInProgress': 'PurgeQueueInProgress',
  'AWS.SimpleQueueService.BatchRequestTooLong': 'BatchRequestTooLong',
  'AWS.SimpleQueueService.QueueDeletedRecently': 'QueueDeletedRecently',
  QueueAlreadyExists: 'QueueNameExists',
};

/** One spelling per SQS error, whichever of the two SQS used. */
export function normalizeAwsCode(code: string): string {
  return ALIASES[code] ?? code;
}

export function awsErrorName(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const candidate = error as { name?: unknown; Code?: unknown; code?: unknown };
  for (const value of [candidate.Code, candidate.name, candidate.code]) {
    if (typeof value === 'string' && value !== 'Error') return ALIASES[value] ?? value;
  }
  return undefined;
}

export function isAwsError(error: unknown, ...names: string[]): boolean {
  const name = awsErrorName(error);
  return name !== undefined && names.includes(name);
}

const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN']);
const CREDENTIAL_ERRORS = new Set(['CredentialsProviderError', 'InvalidClientTokenId', 'SignatureDoesNotMatch', 'UnrecognizedClientException', 'ExpiredToken', 'IncompleteSignature']);

function httpStatus(error: unknown): number | undefined {
  return (error as { $metadata?: { httpStatusCode?: number } })?.$metadata?.httpStatusCode;
}

/** Wraps an SDK failure in the TqError tq raises for it; `what` says which operation, for the message. */
export function toTqError(error: unknown, what: string, details: Record<string, unknown> = {}): TqError {
  if (TqError.is(error)) return error;
  const name = awsErrorName(error);
  const message = error instanceof Error ? error.message : String(error);
  const facts = { ...details, awsError: name, httpStatus: httpStatus(error) };
  if (name === 'AbortError') return new TqError(ErrorCodes.ABORTED, `${what} was aborted`, { cause: error, details: facts });
  if (name === 'QueueDoesNotExist') {
    return new TqError(ErrorCodes.BROKER_REFUSED, `${what}: the SQS queue does not exist`, { cause: error, details: facts });
  }
  if (name === 'InvalidParameterValue' && /shorter than|too long|maximum message size/i.test(message)) {
    return new TqError(
      ErrorCodes.MESSAGE_TOO_LARGE,
      `${what}: SQS refused the message as too large (${message}); send a smaller payload, or store the payload elsewhere and send a reference to it (claim-check pattern)`,
      { cause: error, details: facts },
    );
  }
  if (name && CREDENTIAL_ERRORS.has(name)) {
    return new TqError(ErrorCodes.INVALID_CONFIG, `${what}: AWS credentials are missing or invalid (${message})`, { cause: error, details: facts });
  }
  const status = httpStatus(error);
  const code = (error as { code?: unknown })?.code;
  const transient =
    (typeof code === 'string' && NETWORK_CODES.has(code)) ||
    name === 'TimeoutError' ||
    name === 'RequestThrottled' ||
    name === 'ThrottlingException' ||
    name === 'RequestTimeout' ||
    (status !== undefined && (status >= 500 || status === 429));
  if (transient) {
    return new TqError(ErrorCodes.CONNECTION_LOST, `${what}: SQS unreachable or overloaded after retries (${message})`, {
      cause: error,
      retryable: true,
      details: facts,
    });
  }
  return new TqError(ErrorCodes.BROKER_REFUSED, `${what}: SQS refused the request (${name ?? 'error'}: ${message})`, {
    cause: error,
    details: facts,
  });
}
