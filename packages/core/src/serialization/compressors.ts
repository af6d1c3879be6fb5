import {
  brotliCompressSync,
  brotliDecompressSync,
  constants as zlibConstants,
  deflateSync,
  inflateSync,
} from 'node:zlib';
import type { Compressor } from '../contracts/index.js';
import { ErrorCodes, TqError } from '../errors/index.js';

/**
 * kombu's compression methods that node:zlib can do (kombu/compression.py). kombu's `zlib` and `gzip` are one
 * method: `zlib.compress` output (zlib format, not a gzip file) under the MIME type `application/x-gzip`.
 * kombu also registers bzip2 (`application/x-bz2`), lzma/xz (`application/x-lzma`) and zstd
 * (`application/zstd`); Node 20 has no codec for those, so messages using them fail with TQ_UNKNOWN_CONTENT_TYPE.
 */
export interface CompressorOptions {
  /**
   * Refuse to inflate a body beyond this many bytes (TQ_MESSAGE_TOO_LARGE), so a tiny "zip bomb" cannot
   * exhaust memory. @default 268435456 (256 MiB)
   */
  maxOutputBytes?: number;
}

const DEFAULT_MAX_OUTPUT = 256 * 1024 * 1024;

/** kombu's `zlib` / `gzip` compression (MIME `application/x-gzip`). */
export function zlibCompressor(options: CompressorOptions = {}): Compressor {
  const maxOutputLength = options.maxOutputBytes ?? DEFAULT_MAX_OUTPUT;
  return Object.freeze({
    name: 'zlib',
    contentType: 'application/x-gzip',
    aliases: Object.freeze(['zlib', 'gzip']),
    compress: (bytes: Uint8Array) => asPlainBytes(deflateSync(bytes)),
    decompress: (bytes: Uint8Array) => inflate('zlib', maxOutputLength, () => inflateSync(bytes, { maxOutputLength })),
  });
}

/** kombu's `brotli` compression (MIME `application/x-brotli`). */
export function brotliCompressor(options: CompressorOptions = {}): Compressor {
  const maxOutputLength = options.maxOutputBytes ?? DEFAULT_MAX_OUTPUT;
  return Object.freeze({
    name: 'brotli',
    contentType: 'application/x-brotli',
    aliases: Object.freeze(['brotli']),
    compress: (bytes: Uint8Array) =>
      asPlainBytes(
        brotliCompressSync(bytes, {
          params: {
            // Quality 11 (Python brotli's default) is slow for messages; 5 is a common speed/size balance.
            [zlibConstants.BROTLI_PARAM_QUALITY]: 5,
            [zlibConstants.BROTLI_PARAM_SIZE_HINT]: bytes.byteLength,
          },
        }),
      ),
    decompress: (bytes: Uint8Array) =>
      inflate('brotli', maxOutputLength, () => brotliDecompressSync(bytes, { maxOutputLength })),
  });
}

function inflate(name: string, limit: number, run: () => Buffer): Uint8Array {
  try {
    return asPlainBytes(run());
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    if (code === 'ERR_BUFFER_TOO_LARGE') {
      throw new TqError(ErrorCodes.MESSAGE_TOO_LARGE, `${name} body inflates beyond the ${limit}-byte limit`, {
        cause: error,
        details: { compression: name, maxOutputBytes: limit },
      });
    }
    const reason = error instanceof Error ? error.message : String(error);
    throw new TqError(ErrorCodes.DECODE, `corrupt ${name} body: ${reason}`, {
      cause: error,
      details: { compression: name },
    });
  }
}

/** A Uint8Array view of a Buffer (no copy), so callers get the contract's type and not Node's subclass. */
function asPlainBytes(buffer: Buffer): Uint8Array {
  return new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
}
