import { deflateSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { ErrorCodes, TqError } from '../../src/errors/index.js';
import { brotliCompressor, defaultCompressors, zlibCompressor } from '../../src/serialization/index.js';

const payload = new TextEncoder().encode(JSON.stringify([['x'.repeat(1000)], {}, {}]));

function thrown(run: () => unknown): TqError {
  try {
    run();
  } catch (error) {
    if (TqError.is(error)) return error;
    throw error;
  }
  throw new Error('nothing was thrown');
}

describe.each([
  ['zlib', zlibCompressor(), 'application/x-gzip'],
  ['brotli', brotliCompressor(), 'application/x-brotli'],
])('%s compressor', (_name, compressor, mime) => {
  it(`names kombu's MIME type ${mime}`, () => {
    expect(compressor.contentType).toBe(mime);
  });

  it('round-trips and actually compresses', () => {
    const compressed = compressor.compress(payload);
    expect(compressed.byteLength).toBeLessThan(payload.byteLength / 5);
    expect(compressor.decompress(compressed)).toEqual(payload);
  });

  it('reports truncated input as TQ_DECODE', () => {
    const compressed = compressor.compress(payload);
    const error = thrown(() => compressor.decompress(compressed.subarray(0, compressed.byteLength - 4)));
    expect(error.code).toBe(ErrorCodes.DECODE);
    expect(error.message).not.toContain('\n');
  });

  it('reports garbage as TQ_DECODE', () => {
    expect(thrown(() => compressor.decompress(new TextEncoder().encode('not compressed at all'))).code).toBe(
      ErrorCodes.DECODE,
    );
  });
});

describe('zlib compressor', () => {
  it("writes the zlib format Python's zlib.compress reads (not a gzip file)", () => {
    const compressed = zlibCompressor().compress(payload);
    expect(compressed[0]).toBe(0x78); // zlib header, where a gzip file starts 0x1f 0x8b
  });

  it('refuses to inflate past maxOutputBytes with TQ_MESSAGE_TOO_LARGE', () => {
    const bomb = deflateSync(Buffer.alloc(1024 * 1024));
    const error = thrown(() => zlibCompressor({ maxOutputBytes: 64 * 1024 }).decompress(bomb));
    expect(error.code).toBe(ErrorCodes.MESSAGE_TOO_LARGE);
  });
});

describe('defaultCompressors', () => {
  it("resolves kombu's names, aliases and MIME types", () => {
    const registry = defaultCompressors();
    for (const key of ['zlib', 'gzip', 'application/x-gzip', 'APPLICATION/X-GZIP']) {
      expect(registry.get(key)?.name).toBe('zlib');
    }
    expect(registry.get('brotli')?.name).toBe('brotli');
    expect(registry.get('application/x-brotli')?.name).toBe('brotli');
  });

  it('has no bzip2, lzma or zstd (node:zlib on Node 20 has none)', () => {
    const registry = defaultCompressors();
    for (const key of ['bzip2', 'application/x-bz2', 'lzma', 'application/x-lzma', 'zstd', 'application/zstd']) {
      expect(registry.get(key)).toBeUndefined();
    }
    expect(thrown(() => registry.require('application/x-bz2')).code).toBe(ErrorCodes.UNKNOWN_CONTENT_TYPE);
  });
});
