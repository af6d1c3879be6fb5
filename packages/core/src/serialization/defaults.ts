import { CompressorRegistry } from './compressor-registry.js';
import { brotliCompressor, zlibCompressor } from './compressors.js';
import { jsonSerializer } from './json-serializer.js';
import { SerializerRegistry } from './serializer-registry.js';

/** A fresh registry holding what @tq/core ships: the JSON serializer. Add msgpack etc. with `register()`. */
export function defaultSerializers(): SerializerRegistry {
  return new SerializerRegistry([jsonSerializer]);
}

/** A fresh registry holding what node:zlib can do: zlib/gzip (`application/x-gzip`) and brotli. */
export function defaultCompressors(): CompressorRegistry {
  return new CompressorRegistry([zlibCompressor(), brotliCompressor()]);
}
