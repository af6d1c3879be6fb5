/**
 * Turns values into bytes and back. Registered by content type so a worker decodes whatever content type a message
 * declares, provided it is in the accept list. Must throw TqError(TQ_DECODE) on bytes it cannot decode.
 */
export interface Serializer {
  /** Short name users configure (`json`, `msgpack`, `yaml`). */
  readonly name: string;
  /** MIME type on the wire (`application/json`). */
  readonly contentType: string;
  /** `utf-8` for text formats, `binary` otherwise (Celery's content_encoding). */
  readonly contentEncoding: string;
  /**
   * True for serializers whose decode verifies a signature (Celery's `auth`). When every entry of a worker's accept
   * list is such a serializer, a message in any other content type is refused as TQ_SECURITY (unsigned).
   */
  readonly signed?: boolean;
  encode(value: unknown): Uint8Array;
  decode(bytes: Uint8Array): unknown;
}

/**
 * Compresses serialized bodies. Named by MIME type in the `compression` header, as kombu writes it
 * (`application/x-gzip` for zlib/gzip). Must throw TqError(TQ_DECODE) on corrupt input.
 */
export interface Compressor {
  readonly name: string;
  /** The MIME type written to the `compression` header. */
  readonly contentType: string;
  /** Other names accepted when decoding (`zlib`, `gzip`). */
  readonly aliases: readonly string[];
  compress(bytes: Uint8Array): Uint8Array;
  decompress(bytes: Uint8Array): Uint8Array;
}
