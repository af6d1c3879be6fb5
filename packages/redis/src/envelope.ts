import { randomUUID } from 'node:crypto';
import { ErrorCodes, TqError, type MessageProperties, type TransportMessage } from '@tq/core';
import { fromWirePriority, wirePriorityValue } from './priority.js';

/** Property names tq maps itself; everything else in `properties` travels as is. */
const MAPPED_PROPERTIES = new Set(['correlationId', 'replyTo', 'deliveryMode', 'priority', 'expiration', 'deliveryInfo']);
const ENVELOPE_ONLY_PROPERTIES = new Set([
  'correlation_id',
  'reply_to',
  'delivery_mode',
  'priority',
  'expiration',
  'delivery_info',
  'body_encoding',
  'delivery_tag',
]);

export interface EnvelopeTarget {
  exchange: string;
  routingKey: string;
  /** kombu's number (0 first). */
  wirePriority: number;
}

export interface EncodedEnvelope {
  text: string;
  tag: string;
}

/**
 * kombu's stored message: `{body (base64), content-encoding, content-type, headers, properties}` with a fresh uuid4
 * `delivery_tag` and `delivery_info` naming where it was published (what `Channel._inplace_augment_message` adds).
 */
export function encodeEnvelope(message: TransportMessage, target: EnvelopeTarget): EncodedEnvelope {
  const tag = randomUUID();
  const source = message.properties ?? {};
  const properties: Record<string, unknown> = {};
  if (source.correlationId !== undefined) properties.correlation_id = source.correlationId;
  if (source.replyTo !== undefined) properties.reply_to = source.replyTo;
  properties.delivery_mode = source.deliveryMode ?? 2;
  if (source.expiration !== undefined) properties.expiration = source.expiration;
  for (const [key, value] of Object.entries(source)) {
    if (!MAPPED_PROPERTIES.has(key) && !ENVELOPE_ONLY_PROPERTIES.has(key) && value !== undefined) properties[key] = value;
  }
  properties.delivery_info = { exchange: target.exchange, routing_key: target.routingKey };
  properties.priority = target.wirePriority;
  properties.body_encoding = 'base64';
  properties.delivery_tag = tag;
  const envelope = {
    body: bodyBytes(message.body).toString('base64'),
    'content-encoding': message.contentEncoding,
    'content-type': message.contentType,
    headers: message.headers ?? {},
    properties,
  };
  return { text: JSON.stringify(envelope), tag };
}

/** The body as bytes: a Uint8Array (Buffer included) as is, a string as its UTF-8 bytes; anything else is refused. */
function bodyBytes(body: unknown): Buffer {
  if (body instanceof Uint8Array) return Buffer.from(body.buffer, body.byteOffset, body.byteLength);
  if (typeof body === 'string') return Buffer.from(body, 'utf8');
  throw new TqError(ErrorCodes.ENCODE, `a message body must be a Uint8Array, got ${body === null ? 'null' : typeof body}`);
}

export interface DecodedEnvelope {
  message: TransportMessage;
  tag: string;
  redelivered: boolean;
}

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/** Parses a stored envelope. Throws TqError(TQ_MALFORMED_MESSAGE) for a non-envelope, TQ_DECODE for a bad body. */
export function decodeEnvelope(text: string, queue: string): DecodedEnvelope {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (cause) {
    throw malformed(queue, 'the value is not JSON', cause);
  }
  if (!isRecord(parsed)) throw malformed(queue, 'the value is not a JSON object');
  const props = parsed.properties;
  if (!isRecord(props)) throw malformed(queue, 'the envelope has no properties object');
  const tag = props.delivery_tag;
  if (typeof tag !== 'string' || tag === '') throw malformed(queue, 'the envelope has no delivery_tag');
  const headers = parsed.headers ?? {};
  if (!isRecord(headers)) throw malformed(queue, 'the envelope headers are not an object');
  const body = decodeBody(parsed.body, props.body_encoding, queue, tag);
  const info = isRecord(props.delivery_info) ? props.delivery_info : {};
  const redelivered = info.redelivered === true || headers.redelivered === true || parsed.redelivered === true;
  const priority = fromWirePriority(props.priority);
  const properties: MessageProperties = {};
  // for-in over a parsed object (own keys only): no entries array per message.
  for (const key in props) {
    if (!ENVELOPE_ONLY_PROPERTIES.has(key)) properties[key] = props[key];
  }
  properties.delivery_tag = tag;
  if (typeof props.correlation_id === 'string') properties.correlationId = props.correlation_id;
  if (typeof props.reply_to === 'string') properties.replyTo = props.reply_to;
  if (props.delivery_mode === 1 || props.delivery_mode === 2) properties.deliveryMode = props.delivery_mode;
  if (priority !== undefined) properties.priority = priority;
  if (typeof props.expiration === 'string') properties.expiration = props.expiration;
  const deliveryInfo: NonNullable<MessageProperties['deliveryInfo']> = {
    exchange: typeof info.exchange === 'string' ? info.exchange : '',
    routingKey: typeof info.routing_key === 'string' ? info.routing_key : queue,
    redelivered,
  };
  if (priority !== undefined) deliveryInfo.priority = priority;
  properties.deliveryInfo = deliveryInfo;
  const message: TransportMessage = {
    body,
    contentType: typeof parsed['content-type'] === 'string' ? parsed['content-type'] : '',
    contentEncoding: typeof parsed['content-encoding'] === 'string' ? parsed['content-encoding'] : '',
    headers,
    properties,
  };
  return { message, tag, redelivered };
}

/** The wire priority of a stored envelope (kombu's rules), for choosing the list when putting it back. */
export function envelopeWirePriority(text: string): number {
  try {
    const parsed = JSON.parse(text) as { properties?: { priority?: unknown } };
    return wirePriorityValue(parsed?.properties?.priority) ?? 0;
  } catch {
    return 0;
  }
}

function decodeBody(body: unknown, encoding: unknown, queue: string, tag: string): Uint8Array {
  if (body === undefined || body === null || body === '') return new Uint8Array(0);
  if (typeof body !== 'string') throw malformed(queue, 'the envelope body is not a string');
  if (encoding === undefined || encoding === null) return new Uint8Array(Buffer.from(body, 'utf8'));
  if (encoding !== 'base64') {
    throw new TqError(ErrorCodes.DECODE, `unknown body_encoding ${JSON.stringify(encoding)} on queue ${queue}`, {
      details: { queue, deliveryTag: tag },
    });
  }
  const compact = body.includes('\n') || body.includes('\r') ? body.replace(/[\r\n]/g, '') : body;
  if (compact.length % 4 !== 0 || !BASE64.test(compact)) {
    throw new TqError(ErrorCodes.DECODE, `the envelope body on queue ${queue} is not valid base64`, {
      details: { queue, deliveryTag: tag },
    });
  }
  const bytes = Buffer.from(compact, 'base64');
  return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

function malformed(queue: string, reason: string, cause?: unknown): TqError {
  return new TqError(ErrorCodes.MALFORMED_MESSAGE, `not a kombu envelope on queue ${queue}: ${reason}`, {
    details: { queue },
    ...(cause === undefined ? {} : { cause }),
  });
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
