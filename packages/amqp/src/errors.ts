import { ErrorCodes, TqError } from '@tq/core';

/**
 * The one place that reads amqplib's errors. amqplib reports broker refusals as errors with a numeric AMQP reply
 * `code` (406 PRECONDITION_FAILED, 404 NOT_FOUND, ...) and the broker's text in the message; network failures as
 * Node socket errors; use of a dead channel as IllegalOperationError.
 */

const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENOTFOUND', 'EAI_AGAIN', 'ECONNABORTED']);
/** AMQP reply codes that mean "the connection went away", not "the broker refused this". */
const CONNECTION_REPLY_CODES = new Set([320, 501, 502, 503, 504, 505, 506, 541]);

const INEQUIVALENT = /inequivalent arg '([^']+)' for (queue|exchange) '([^']*)' in vhost '([^']*)': received (.+) but current is (.+?)"?$/;
const TOO_LARGE = /message size (\d+) is larger than configured max size (\d+)/;

export function brokerText(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  const quoted = /with message "(.*)"$/.exec(message);
  return quoted?.[1] ?? message;
}

export function isConnectionError(error: unknown): boolean {
  if (TqError.is(error)) return error.code === ErrorCodes.CONNECTION_LOST;
  if (!(error instanceof Error)) return false;
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string' && NETWORK_CODES.has(code)) return true;
  // A numeric code is the broker's reply: only some of them mean the connection is gone.
  if (typeof code === 'number') return CONNECTION_REPLY_CODES.has(code);
  if (error.name === 'IllegalOperationError') return true;
  return /Channel closed|Connection closed|Socket closed|channel ended|Unexpected close|heartbeat timeout/i.test(error.message);
}

/** Turns anything amqplib throws into a TqError with a stable code; `what` names the operation for the message. */
export function toTqError(error: unknown, what: string): TqError {
  if (TqError.is(error)) return error;
  if (error instanceof RangeError) {
    return new TqError(ErrorCodes.MESSAGE_TOO_LARGE, `${what}: headers too large for one AMQP frame (${error.message})`, { cause: error });
  }
  if (isConnectionError(error)) {
    return new TqError(ErrorCodes.CONNECTION_LOST, `${what}: connection to RabbitMQ lost (${brokerText(error)})`, {
      cause: error,
      retryable: true,
    });
  }
  const code = (error as { code?: unknown } | undefined)?.code;
  const text = brokerText(error);
  const tooLarge = TOO_LARGE.exec(text);
  if (tooLarge) {
    return new TqError(ErrorCodes.MESSAGE_TOO_LARGE, `${what}: RabbitMQ refused a ${tooLarge[1]}-byte message (max_message_size is ${tooLarge[2]})`, {
      cause: error,
      details: { size: Number(tooLarge[1]), max: Number(tooLarge[2]) },
    });
  }
  const mismatch = INEQUIVALENT.exec(text);
  if (mismatch) {
    const [, argument, kind, name, vhost, requested, current] = mismatch;
    return new TqError(
      ErrorCodes.BROKER_REFUSED,
      `${what}: ${kind} '${name}' already exists in vhost '${vhost}' with different settings: '${argument}' is ${current} on the broker, ` +
        `but this declaration asked for ${requested}. RabbitMQ cannot change a ${kind}'s arguments; declare it exactly as it ` +
        `exists (transport options maxPriority, queueType, deadLetter, or the declaration's arguments), or delete the ${kind} first.`,
      { cause: error, details: { kind, name, vhost, argument, requested, current, replyCode: code } },
    );
  }
  if (typeof code === 'number') {
    return new TqError(ErrorCodes.BROKER_REFUSED, `${what}: RabbitMQ refused (${code}): ${text}`, { cause: error, details: { replyCode: code } });
  }
  return new TqError(ErrorCodes.BROKER_REFUSED, `${what}: ${text}`, { cause: error });
}

/** The name in a 404 "no exchange 'x' in vhost '/'" / "no queue 'x'" reply, if that is what this is. */
export function missingEntity(error: unknown): { kind: 'exchange' | 'queue'; name: string } | undefined {
  if ((error as { code?: unknown } | undefined)?.code !== 404) return undefined;
  const match = /no (exchange|queue) '([^']*)'/.exec(brokerText(error));
  return match ? { kind: match[1] as 'exchange' | 'queue', name: match[2]! } : undefined;
}
