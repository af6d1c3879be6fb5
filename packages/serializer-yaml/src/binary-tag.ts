import type { ScalarTag } from 'yaml';

/**
 * `!!binary` as PyYAML writes bytes. Our own because the `yaml` package's version encodes a Uint8Array view's whole
 * underlying buffer (ignoring its offset and length) and returns Buffers; this one writes exactly the view's bytes
 * and returns a plain Uint8Array that owns its memory.
 */
export const binaryTag: ScalarTag = {
  tag: 'tag:yaml.org,2002:binary',
  default: false,
  identify: (value) => value instanceof Uint8Array,
  resolve(source, onError) {
    const text = source.replace(/\s+/g, '');
    if (!/^[A-Za-z0-9+/]*={0,2}$/.test(text) || text.length % 4 !== 0) {
      onError('!!binary holds something that is not base64');
      return new Uint8Array(0);
    }
    return new Uint8Array(Buffer.from(text, 'base64'));
  },
  stringify({ value }) {
    const bytes = value as Uint8Array;
    const base64 = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
    return `"${base64}"`;
  },
};
