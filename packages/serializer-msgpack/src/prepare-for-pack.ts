import { ErrorCodes, formatIsoDateTime, TqError } from '@tq/core';

/**
 * Python's msgpack (as kombu packs: `packb(s, use_bin_type=True)`) refuses nesting deeper than 512, so we do too,
 * and the same limit turns a cyclic value into a clear error instead of a stack overflow.
 */
export const MAX_DEPTH = 512;

const INT32_MIN = -0x8000_0000;
const UINT32_MAX = 0xffff_ffff;
/** Integers up to ±2^53 are exact as numbers; decoding returns numbers for exactly this range (msgpackr's 'auto'). */
const TWO_POW_53 = 2 ** 53;

/**
 * Rewrites a value into what msgpackr packs the way Python's msgpack reads it, copying only the parts that change:
 *
 * - An integer-valued number beyond 32 bits (up to ±2^53, where numbers stop being exact) becomes a BigInt, because msgpackr writes such numbers as float64 and
 *   Python would read `1732406400123.0`. msgpackr writes a BigInt as int64/uint64, which Python reads as int.
 * - A Date becomes an ISO-8601 string, exactly as @tq/core's JSON serializer (and kombu 5.2's JSON) writes it:
 *   kombu's msgpack cannot carry datetimes at all, and ISO strings are what Celery puts on the wire for dates.
 * - Objects follow @tq/core's JSON serializer: `toJSON()` is honoured, properties holding undefined are left out
 *   (undefined in a list is nil), class instances become plain maps of their own enumerable properties, and a
 *   function or symbol anywhere is refused with TQ_ENCODE rather than silently dropped.
 * - A Set becomes a list; an ArrayBuffer becomes bytes. Other typed arrays are refused (Python has no such type;
 *   pass a Uint8Array to send bytes).
 */
export function prepareForPack(value: unknown, depth = 0): unknown {
  switch (typeof value) {
    case 'number':
      return (value > UINT32_MAX || value < INT32_MIN) && Number.isInteger(value) && Math.abs(value) <= TWO_POW_53
        ? BigInt(value)
        : value;
    case 'string':
    case 'boolean':
    case 'bigint':
    case 'undefined':
      return value;
    case 'function':
    case 'symbol':
      throw encodeError(`a ${typeof value} cannot be encoded as msgpack`);
  }
  if (value === null || value instanceof Uint8Array) return value;
  if (depth >= MAX_DEPTH) throw encodeError(`value nests deeper than ${MAX_DEPTH} levels (or is cyclic)`);
  if (Array.isArray(value)) return prepareArray(value, depth + 1);
  if (value instanceof Date) {
    if (Number.isNaN(value.getTime())) throw encodeError('an invalid Date cannot be encoded');
    return formatIsoDateTime(value, 'kombu52');
  }
  if (value instanceof Map) return prepareMap(value, depth + 1);
  if (value instanceof Set) return prepareArray([...value], depth + 1);
  if (value instanceof ArrayBuffer) return new Uint8Array(value);
  if (ArrayBuffer.isView(value)) {
    throw encodeError(`${value.constructor.name} cannot be encoded as msgpack; pass a Uint8Array to send bytes`);
  }
  const toJSON = (value as { toJSON?: unknown }).toJSON;
  if (typeof toJSON === 'function') return prepareForPack(toJSON.call(value), depth + 1);
  return prepareObject(value as Record<string, unknown>, depth + 1);
}

function prepareArray(array: readonly unknown[], depth: number): unknown[] {
  let copy: unknown[] | undefined;
  for (let i = 0; i < array.length; i++) {
    const item = array[i];
    const prepared = prepareForPack(item, depth); // undefined stays undefined and is packed as nil
    if (prepared !== item && copy === undefined) copy = array.slice(0, i);
    if (copy !== undefined) copy.push(prepared);
  }
  return copy ?? (array as unknown[]);
}

function prepareObject(object: Record<string, unknown>, depth: number): Record<string, unknown> {
  // Class instances (and prototype-less objects) always become plain objects, so msgpackr sees only plain data.
  let copy: Record<string, unknown> | undefined = Object.getPrototypeOf(object) === Object.prototype ? undefined : {};
  const keys = Object.keys(object);
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i]!;
    const item = object[key];
    const dropped = item === undefined;
    const prepared = dropped ? undefined : prepareForPack(item, depth);
    if ((dropped || prepared !== item) && copy === undefined) {
      copy = {};
      for (let j = 0; j < i; j++) copy[keys[j]!] = object[keys[j]!];
    }
    if (copy !== undefined && !dropped) copy[key] = prepared;
  }
  return copy ?? object;
}

function prepareMap(map: Map<unknown, unknown>, depth: number): Map<unknown, unknown> {
  const copy = new Map<unknown, unknown>();
  for (const [key, item] of map) {
    if (item === undefined) continue;
    copy.set(prepareForPack(key, depth), prepareForPack(item, depth));
  }
  return copy;
}

function encodeError(message: string): TqError {
  return new TqError(ErrorCodes.ENCODE, message);
}
