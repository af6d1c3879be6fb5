import type { TransportMessage } from '../contracts/index.js';
import { ErrorCodes, TqError } from '../errors/index.js';

/**
 * The memory transport stores and hands out copies, so a publisher that reuses its message object, or a consumer
 * that edits headers, cannot change what another consumer sees: the same isolation a real broker gives.
 */
export function copyForStorage(message: TransportMessage): TransportMessage {
  if (typeof message !== 'object' || message === null) {
    throw new TqError(ErrorCodes.ENCODE, 'a transport message must be an object');
  }
  if (!(message.body instanceof Uint8Array)) {
    throw new TqError(ErrorCodes.ENCODE, 'message.body must be a Uint8Array (serialize the body first)', {
      details: { bodyType: typeof message.body },
    });
  }
  try {
    return {
      body: new Uint8Array(message.body),
      contentType: String(message.contentType),
      contentEncoding: String(message.contentEncoding),
      headers: structuredClone(message.headers ?? {}),
      properties: structuredClone(message.properties ?? {}),
    };
  } catch (error) {
    throw new TqError(ErrorCodes.ENCODE, 'message headers and properties must be JSON-compatible values', {
      cause: error,
    });
  }
}

export function copyForDelivery(message: TransportMessage): TransportMessage {
  return {
    body: new Uint8Array(message.body),
    contentType: message.contentType,
    contentEncoding: message.contentEncoding,
    headers: structuredClone(message.headers),
    properties: structuredClone(message.properties),
  };
}

/** Body plus headers and properties as JSON: what a broker would have to carry. */
export function messageBytes(message: TransportMessage): number {
  const meta = JSON.stringify({ headers: message.headers, properties: message.properties });
  return message.body.byteLength + Buffer.byteLength(meta ?? '', 'utf8');
}
