import type { MessageProperties, TransportMessage } from '@tq/core';
import { ErrorCodes, TqError } from '@tq/core';
import { fromJson, toJson } from '../errors.js';

/** The columns a message is stored in: the body as a BLOB, headers and properties as JSON text. */
export interface StoredMessage {
  content_type: string;
  content_encoding: string;
  headers: string;
  properties: string;
  body: Uint8Array;
}

/** A claimed row as read back by the consumer. */
export interface MessageRow extends StoredMessage {
  id: number;
  queue: string;
  priority: number;
  delivery_count: number;
  expires_at: number | null;
  exchange: string;
  routing_key: string;
}

/** 0..255, higher first: out-of-range or non-numeric priorities are clamped rather than refused. */
export function normalizePriority(value: unknown): number {
  const number = typeof value === 'number' ? value : Number(value);
  if (!Number.isFinite(number)) return 0;
  return Math.min(255, Math.max(0, Math.round(number)));
}

export function encodeMessage(
  message: TransportMessage,
  priority: number | undefined,
  maxBytes: number,
): StoredMessage {
  if (!message || !(message.body instanceof Uint8Array)) {
    throw new TqError(ErrorCodes.MALFORMED_MESSAGE, 'sqlite: a message body must be a Uint8Array');
  }
  const { deliveryInfo: _ignored, ...properties } = message.properties ?? {};
  if (priority !== undefined) properties.priority = priority;
  const stored: StoredMessage = {
    content_type: String(message.contentType ?? ''),
    content_encoding: String(message.contentEncoding ?? ''),
    headers: toJson(message.headers ?? {}, 'message headers'),
    properties: toJson(properties, 'message properties'),
    body: message.body,
  };
  const size = stored.body.byteLength + stored.headers.length + stored.properties.length;
  if (size > maxBytes) {
    throw new TqError(
      ErrorCodes.MESSAGE_TOO_LARGE,
      `sqlite: message of ${size} bytes exceeds maxMessageBytes ${maxBytes}`,
      {
        details: { size, maxBytes },
      },
    );
  }
  return stored;
}

/** A Buffer from better-sqlite3 as a plain Uint8Array view (no copy), so it compares equal to what was sent. */
export function bytesView(buffer: Uint8Array): Uint8Array {
  return new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
}

export function decodeMessage(
  stored: StoredMessage,
  deliveryInfo: { exchange: string; routingKey: string; redelivered?: boolean; priority?: number },
): TransportMessage {
  const headers = fromJson(stored.headers, 'message headers') as Record<string, unknown>;
  const properties = fromJson(stored.properties, 'message properties') as MessageProperties;
  if (typeof headers !== 'object' || headers === null || typeof properties !== 'object' || properties === null) {
    throw new TqError(ErrorCodes.DECODE, 'sqlite: stored headers/properties are not JSON objects');
  }
  return {
    body: bytesView(stored.body),
    contentType: stored.content_type,
    contentEncoding: stored.content_encoding,
    headers,
    properties: { ...properties, deliveryInfo },
  };
}
