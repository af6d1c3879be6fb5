import type { Compressor, Serializer, TransportMessage } from '../contracts/index.js';
import { ErrorCodes, TqError } from '../errors/index.js';
import { normalizeContentType, PICKLE_CONTENT_TYPE } from '../serialization/content-types.js';
import type { CompressorRegistry } from '../serialization/compressor-registry.js';
import type { SerializerRegistry } from '../serialization/serializer-registry.js';

/**
 * Turning any message body (task, event, control, result reply) into bytes and back, with kombu's rules:
 * serialize, then compress and name the compression's MIME type in the `compression` header; on the way in,
 * refuse content types outside the accept list before touching the bytes.
 */

export interface EncodeBodyOptions {
  serializer: Serializer;
  compressor?: Compressor | undefined;
}

export interface EncodedBody {
  body: Uint8Array;
  contentType: string;
  contentEncoding: string;
  /** The MIME type for the `compression` header, when compressed. */
  compression?: string;
}

/** Serializes (TQ_ENCODE on failure) and optionally compresses a body. */
export function encodeMessageBody(value: unknown, options: EncodeBodyOptions): EncodedBody {
  const { serializer, compressor } = options;
  let body: Uint8Array;
  try {
    body = serializer.encode(value);
  } catch (error) {
    if (TqError.is(error)) throw error;
    const reason = error instanceof Error ? error.message : String(error);
    throw new TqError(ErrorCodes.ENCODE, `${serializer.name} serializer failed: ${reason}`, { cause: error });
  }
  const encoded: EncodedBody = {
    body,
    contentType: serializer.contentType,
    contentEncoding: serializer.contentEncoding,
  };
  if (compressor) {
    encoded.body = compressor.compress(body);
    encoded.compression = compressor.contentType;
  }
  return encoded;
}

export interface DecodeBodyOptions {
  serializers: Pick<SerializerRegistry, 'get' | 'contentTypeOf'>;
  compressors: Pick<CompressorRegistry, 'get'>;
  /** Serializer names or content types this side accepts (Celery's accept_content), e.g. `['json']`. */
  accept: readonly string[];
}

/**
 * Checks the content type against `accept`, decompresses per the `compression` header, and deserializes.
 * Errors: TQ_CONTENT_TYPE_REFUSED (not accepted; pickle always), TQ_SECURITY (not accepted where only signed
 * serializers are), TQ_UNKNOWN_CONTENT_TYPE (no serializer or compressor for it), TQ_DECODE (corrupt bytes).
 * `details` (e.g. the task id) is added to every error.
 */
export function decodeMessageBody(
  message: Pick<TransportMessage, 'body' | 'contentType' | 'headers'>,
  options: DecodeBodyOptions,
  details: Record<string, unknown> = {},
): unknown {
  const declared = typeof message.contentType === 'string' ? message.contentType : '';
  const contentType = normalizeContentType(declared);
  if (contentType === '') {
    const where = withContentType(details, declared);
    if (acceptsOnlySigned(options)) throw unsigned('none', options, where);
    throw new TqError(ErrorCodes.UNKNOWN_CONTENT_TYPE, 'message has no content type', { details: where });
  }
  if (contentType === PICKLE_CONTENT_TYPE) {
    throw new TqError(
      ErrorCodes.CONTENT_TYPE_REFUSED,
      "refusing pickle (application/x-python-serialize): tq never accepts pickle; set task_serializer='json' (or 'msgpack') and accept_content on the Python side",
      { details: withContentType(details, declared) },
    );
  }
  if (!isAccepted(contentType, options)) {
    const where = withContentType(details, declared);
    if (acceptsOnlySigned(options)) throw unsigned(declared, options, where);
    throw new TqError(
      ErrorCodes.CONTENT_TYPE_REFUSED,
      `refusing content type ${declared}: not in accept list [${options.accept.join(', ')}]`,
      { details: where },
    );
  }
  const serializer = options.serializers.get(contentType);
  if (!serializer) {
    throw new TqError(ErrorCodes.UNKNOWN_CONTENT_TYPE, `no serializer registered for content type ${declared}`, {
      details: withContentType(details, declared),
    });
  }
  let bytes = message.body;
  const compression = message.headers?.compression;
  if (compression !== undefined && compression !== null && compression !== '') {
    const name = String(compression);
    const where = { ...withContentType(details, declared), compression: name };
    const compressor = options.compressors.get(name);
    if (!compressor) {
      throw new TqError(ErrorCodes.UNKNOWN_CONTENT_TYPE, `no compressor registered for compression ${name}`, { details: where });
    }
    try {
      bytes = compressor.decompress(bytes);
    } catch (error) {
      throw decodeFailure(error, where);
    }
  }
  // No closure and no details object per message: the error's details are built only when decoding fails.
  try {
    return serializer.decode(bytes);
  } catch (error) {
    throw decodeFailure(error, withContentType(details, declared));
  }
}

function withContentType(details: Record<string, unknown>, declared: string): Record<string, unknown> {
  return { ...details, contentType: declared };
}

function isAccepted(contentType: string, options: DecodeBodyOptions): boolean {
  for (const entry of options.accept) if (options.serializers.contentTypeOf(entry) === contentType) return true;
  return false;
}

/** The accept list names only signing serializers (`accept: ['auth']`): anything else is an unsigned message. */
function acceptsOnlySigned(options: DecodeBodyOptions): boolean {
  return options.accept.length > 0 && options.accept.every((entry) => options.serializers.get(entry)?.signed === true);
}

function unsigned(declared: string, options: DecodeBodyOptions, details: Record<string, unknown>): TqError {
  const accepted = options.accept.join(', ');
  const message = `refusing unsigned message (content type ${declared}): only signed messages are accepted [${accepted}]`;
  return new TqError(ErrorCodes.SECURITY, message, { details });
}

/** A failed decode step as a TqError (TQ_DECODE unless it already has a code) with `details`. */
function decodeFailure(error: unknown, details: Record<string, unknown>): TqError {
  const code = TqError.is(error) ? error.code : ErrorCodes.DECODE;
  const reason = error instanceof Error ? error.message.split('\n')[0] : String(error);
  const merged = TqError.is(error) ? { ...error.details, ...details } : details;
  return new TqError(code, reason ?? 'cannot decode body', { cause: error, details: merged });
}
