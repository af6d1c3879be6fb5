import type { Serializer } from '@tq/core';
import { ErrorCodes, MSGPACK_CONTENT_TYPE, TqError } from '@tq/core';
import { Packr, Unpackr } from 'msgpackr';
import { containsNeverUsedByte } from './find-never-used-byte.js';
import { prepareForPack } from './prepare-for-pack.js';

/**
 * msgpack as kombu speaks it (`packb(s, use_bin_type=True)` / `unpackb(s, raw=False)`): strings as str, bytes as
 * bin, integers as integers both ways.
 *
 * Decoding: integers within ±2^53 come back as numbers (a 13-digit millisecond timestamp is a number), wider ones
 * as BigInt so nothing is silently rounded (encoding mirrors this: integer numbers up to ±2^53 go out as integers); bin comes back as a Uint8Array that does not alias the input; the
 * msgpack timestamp extension comes back as a Date. Anything that is not exactly one well-formed msgpack value
 * throws TQ_DECODE.
 */
export interface MsgpackSerializer extends Serializer {
  readonly name: 'msgpack';
  readonly contentType: typeof MSGPACK_CONTENT_TYPE;
  readonly contentEncoding: 'binary';
}

export function createMsgpackSerializer(): MsgpackSerializer {
  // variableMapSize writes small maps as fixmap (Python's choice) instead of map16: same bytes as Python for maps.
  const packr = new Packr({ useRecords: false, variableMapSize: true, encodeUndefinedAsNil: true });
  // 'auto' (number within ±2^53, BigInt beyond) exists in msgpackr's code but not yet in its type declarations.
  const int64AsType = 'auto' as unknown as 'number';
  const unpackr = new Unpackr({ useRecords: false, mapsAsObjects: true, int64AsType, copyBuffers: true });

  return Object.freeze({
    name: 'msgpack',
    contentType: MSGPACK_CONTENT_TYPE,
    contentEncoding: 'binary',
    encode(value: unknown): Uint8Array {
      const prepared = prepareForPack(value);
      try {
        return packr.pack(prepared);
      } catch (error) {
        throw new TqError(ErrorCodes.ENCODE, `value cannot be encoded as msgpack: ${messageOf(error)}`, {
          cause: error,
        });
      }
    },
    decode(bytes: Uint8Array): unknown {
      if (!(bytes instanceof Uint8Array)) {
        throw new TqError(ErrorCodes.DECODE, 'msgpack body must be a Uint8Array');
      }
      if (bytes.byteLength === 0) throw new TqError(ErrorCodes.DECODE, 'msgpack body is empty');
      // A fresh plain view: msgpackr then hands back plain Uint8Arrays (not Buffers) for bin values, and the
      // DataView it caches on its source lands on this view rather than on the caller's array.
      const source = new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
      let value: unknown;
      try {
        value = unpackr.unpack(source);
      } catch (error) {
        throw new TqError(ErrorCodes.DECODE, `body is not valid msgpack: ${messageOf(error)}`, {
          cause: error,
          details: { contentType: MSGPACK_CONTENT_TYPE, bytes: bytes.byteLength },
        });
      }
      if (containsNeverUsedByte(value)) {
        throw new TqError(ErrorCodes.DECODE, 'body is not valid msgpack: it holds the never-used byte 0xc1', {
          details: { contentType: MSGPACK_CONTENT_TYPE, bytes: bytes.byteLength },
        });
      }
      return value;
    },
  });
}

/** The shared instance most apps register. */
export const msgpackSerializer: MsgpackSerializer = createMsgpackSerializer();

function messageOf(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.length > 200 ? `${message.slice(0, 200)}…` : message;
}
