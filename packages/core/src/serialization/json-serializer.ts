import type { Serializer } from '../contracts/index.js';
import { ErrorCodes, TqError } from '../errors/index.js';
import { formatIsoDateTime } from './iso-datetime.js';
import { decodeKombuTag, isKombuTagged, tagBytes } from './kombu-tags.js';
import { mayContainPythonConstants, replacePythonConstants, restorePythonConstant } from './python-json-constants.js';

/**
 * Celery's `json` serializer (application/json, utf-8), kombu-compatible in both directions.
 *
 * Decoding: kombu >= 5.3 `__type__` tags become JS values (see kombu-tags.ts: datetime -> Date, bytes/base64 ->
 * Uint8Array, uuid -> string, decimal/date/time -> string); Python's bare NaN/Infinity are accepted. Integers
 * beyond 2^53 lose precision (JSON.parse), as in any JS JSON reader.
 *
 * Encoding:
 * - `Date` -> a plain ISO string by default, exactly as kombu 5.2 writes datetimes (`2024-01-01T12:00:00.531000Z`),
 *   so Celery 5.2 workers and clients read it; with `dates: 'tagged'`, kombu >= 5.3's
 *   `{"__type__": "datetime", "__value__": "...+00:00"}`, which only kombu >= 5.3 turns back into a datetime.
 * - `Uint8Array`/`Buffer`/`ArrayBuffer` -> kombu >= 5.3's `bytes`/`base64` tag (there is no plain JSON form
 *   for bytes; kombu 5.2 sees the dict).
 * - Objects built with `tagDecimal`/`tagUuid`/`tagDate`/`tagTime` are plain tag objects and pass through.
 * - `undefined` follows JSON (dropped from objects, null in arrays, null at the top); NaN/Infinity become null.
 * - Functions, symbols, BigInt, Map, Set, typed arrays other than bytes, invalid Dates and cycles -> TQ_ENCODE.
 */
export interface JsonSerializerOptions {
  /** How to write Dates: `'iso'` (default, readable by kombu 5.2) or kombu >= 5.3's `'tagged'` form. */
  dates?: 'iso' | 'tagged';
}

const encoder = new TextEncoder();
const utf8 = new TextDecoder('utf-8', { fatal: true });

export function createJsonSerializer(options: JsonSerializerOptions = {}): Serializer {
  const taggedDates = options.dates === 'tagged';

  function replace(this: unknown, key: string, value: unknown): unknown {
    // `value` has already been through toJSON (Dates arrive as strings); the holder still has the original.
    const raw = (this as Record<string, unknown>)[key];
    if (raw instanceof Date) {
      if (Number.isNaN(raw.getTime())) throw encodeError('an invalid Date', key);
      return taggedDates
        ? { __type__: 'datetime', __value__: formatIsoDateTime(raw, 'python') }
        : formatIsoDateTime(raw, 'kombu52');
    }
    if (raw instanceof Uint8Array) return tagBytes(raw);
    if (raw instanceof ArrayBuffer) return tagBytes(new Uint8Array(raw));
    switch (typeof value) {
      case 'bigint':
        throw encodeError('a BigInt (convert it to a number or string)', key);
      case 'function':
        throw encodeError(`a function${value.name ? ` (${value.name})` : ''}`, key);
      case 'symbol':
        throw encodeError('a symbol', key);
      case 'object':
        if (value instanceof Map || value instanceof Set) {
          throw encodeError(`a ${value instanceof Map ? 'Map' : 'Set'} (convert it to an object or array)`, key);
        }
        if (ArrayBuffer.isView(value)) throw encodeError(`a ${value.constructor.name} (only bytes are supported)`, key);
        return value;
      default:
        return value;
    }
  }

  return Object.freeze({
    name: 'json',
    contentType: 'application/json',
    contentEncoding: 'utf-8',
    encode(value: unknown): Uint8Array {
      let text: string | undefined;
      try {
        text = JSON.stringify(value, replace);
      } catch (error) {
        if (TqError.is(error)) throw error;
        const reason = error instanceof Error ? error.message.split('\n')[0] : String(error);
        throw new TqError(ErrorCodes.ENCODE, `cannot encode value as JSON: ${reason}`, { cause: error });
      }
      return encoder.encode(text ?? 'null');
    },
    decode(bytes: Uint8Array): unknown {
      let text: string;
      try {
        text = utf8.decode(bytes);
      } catch (error) {
        throw new TqError(ErrorCodes.DECODE, 'JSON body is not valid UTF-8', { cause: error });
      }
      return parseJson(text);
    },
  } satisfies Serializer);
}

/** The default JSON serializer: Dates written as plain ISO strings (kombu 5.2 compatible). */
export const jsonSerializer: Serializer = createJsonSerializer();

function parseJson(text: string): unknown {
  const tagged = text.includes('"__type__"');
  try {
    return tagged ? JSON.parse(text, reviveTags) : JSON.parse(text);
  } catch (error) {
    if (TqError.is(error)) throw error;
    const rewritten = mayContainPythonConstants(text) ? replacePythonConstants(text) : null;
    if (rewritten !== null) {
      try {
        return JSON.parse(rewritten, (key, value) => restorePythonConstant(tagged ? reviveTags(key, value) : value));
      } catch (retryError) {
        if (TqError.is(retryError)) throw retryError;
      }
    }
    const reason = error instanceof Error ? error.message.split('\n')[0] : String(error);
    throw new TqError(ErrorCodes.DECODE, `body is not valid JSON: ${reason}`, { cause: error });
  }
}

function reviveTags(_key: string, value: unknown): unknown {
  return isKombuTagged(value) ? decodeKombuTag(value) : value;
}

function encodeError(what: string, key: string): TqError {
  const where = key === '' ? '' : ` (at key ${JSON.stringify(key)})`;
  return new TqError(ErrorCodes.ENCODE, `cannot encode ${what} as JSON${where}`, { details: { key } });
}
