import { randomUUID } from 'node:crypto';
import { ErrorCodes, TqError, type MessageProperties, type TransportMessage } from '@tq/core';

/**
 * kombu's SQS transport sends the virtual-transport envelope (the same dict the Redis transport stores) as JSON,
 * base64-encoded (`sqs_base64_encoding`, default on): `{body: base64(payload), content-encoding, content-type,
 * headers, properties: {correlation_id, reply_to, delivery_mode, priority, body_encoding: 'base64', delivery_tag,
 * delivery_info: {exchange, routing_key}}}`. On receipt kombu base64-decodes only when the text round-trips, so
 * plain-JSON envelopes (`sqs_base64_encoding: False`) are read too.
 */

export interface Route {
  exchange: string;
  routingKey: string;
}

/** Property names carried in kombu's spelling; everything else in `properties` travels as is. */
const MAPPED = new Set(['correlationId', 'replyTo', 'deliveryMode', 'priority', 'expiration', 'deliveryInfo']);
/** Written fresh on every send, so never copied from a received message that is published again. */
const TRANSPORT_OWNED = new Set(['body_encoding', 'delivery_tag', 'delivery_info', 'correlation_id', 'reply_to', 'delivery_mode']);

export function encodeEnvelope(message: TransportMessage, route: Route): string {
  const source = message.properties;
  const properties: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(source)) {
    if (!MAPPED.has(key) && !TRANSPORT_OWNED.has(key) && value !== undefined) properties[key] = value;
  }
  if (source.correlationId !== undefined) properties.correlation_id = source.correlationId;
  if (source.replyTo !== undefined) properties.reply_to = source.replyTo;
  properties.delivery_mode = source.deliveryMode ?? 2;
  if (source.expiration !== undefined) properties.expiration = source.expiration;
  properties.priority = source.priority ?? 0;
  properties.delivery_info = { exchange: route.exchange, routing_key: route.routingKey };
  properties.body_encoding = 'base64';
  properties.delivery_tag = randomUUID();
  const envelope = {
    body: bodyBytes(message.body).toString('base64'),
    'content-encoding': message.contentEncoding,
    'content-type': message.contentType,
    headers: message.headers,
    properties,
  };
  return Buffer.from(JSON.stringify(envelope), 'utf8').toString('base64');
}

/** The body as bytes: a Uint8Array as is, a string as its UTF-8 (lenient, like Buffer.from); anything else is refused. */
function bodyBytes(body: unknown): Buffer {
  if (body instanceof Uint8Array) return Buffer.from(body.buffer, body.byteOffset, body.byteLength);
  if (typeof body === 'string') return Buffer.from(body, 'utf8');
  throw new TqError(ErrorCodes.ENCODE, `a message body must be a Uint8Array (got ${body === null ? 'null' : typeof body})`);
}

/** kombu's `_optional_b64_decode`: base64 only when decoding and re-encoding gives the same text back. */
function optionalBase64(text: string): string {
  const decoded = Buffer.from(text, 'base64');
  if (decoded.length > 0 && decoded.toString('base64') === text) return decoded.toString('utf8');
  return text;
}

function malformed(reason: string, cause?: unknown): TqError {
  return new TqError(ErrorCodes.MALFORMED_MESSAGE, `SQS message is not a kombu envelope: ${reason}`, {
    cause,
    details: { reason },
  });
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Turns an SQS message body back into the message tq and Celery sent. Throws TQ_MALFORMED_MESSAGE otherwise. */
export function decodeEnvelope(sqsBody: string, redelivered: boolean): TransportMessage {
  let envelope: unknown;
  try {
    envelope = JSON.parse(optionalBase64(sqsBody));
  } catch (cause) {
    throw malformed('body is neither JSON nor base64 of JSON', cause);
  }
  if (!isRecord(envelope)) throw malformed('body is not a JSON object');
  const { body, headers } = envelope;
  const raw = envelope.properties;
  if (typeof body !== 'string') throw malformed('no string `body` field');
  if (!isRecord(raw)) throw malformed('no `properties` object');
  if (headers !== undefined && headers !== null && !isRecord(headers)) throw malformed('`headers` is not an object');
  const contentType = envelope['content-type'];
  if (typeof contentType !== 'string') throw malformed('no `content-type`');
  const encoding = raw.body_encoding;
  if (encoding !== undefined && encoding !== null && encoding !== 'base64') {
    throw malformed(`unsupported body_encoding ${JSON.stringify(encoding)}`);
  }
  const bytes = encoding === 'base64' ? Buffer.from(body, 'base64') : Buffer.from(body, 'utf8');
  const info = isRecord(raw.delivery_info) ? raw.delivery_info : {};
  const properties: MessageProperties = {};
  for (const [key, value] of Object.entries(raw)) {
    if (!TRANSPORT_OWNED.has(key) && key !== 'priority' && key !== 'expiration') properties[key] = value;
  }
  if (typeof raw.correlation_id === 'string') properties.correlationId = raw.correlation_id;
  if (typeof raw.reply_to === 'string') properties.replyTo = raw.reply_to;
  if (raw.delivery_mode === 1 || raw.delivery_mode === 2) properties.deliveryMode = raw.delivery_mode;
  if (typeof raw.priority === 'number') properties.priority = raw.priority;
  if (typeof raw.expiration === 'string' || typeof raw.expiration === 'number') properties.expiration = String(raw.expiration);
  properties.deliveryInfo = {
    exchange: typeof info.exchange === 'string' ? info.exchange : '',
    routingKey: typeof info.routing_key === 'string' ? info.routing_key : '',
    redelivered,
  };
  const contentEncoding = envelope['content-encoding'];
  return {
    body: new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength),
    contentType,
    contentEncoding: typeof contentEncoding === 'string' ? contentEncoding : 'utf-8',
    headers: (headers as Record<string, unknown> | undefined) ?? {},
    properties,
  };
}
