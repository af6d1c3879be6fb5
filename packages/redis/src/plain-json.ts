/** Deeper than this is left to the serializer (which refuses cycles with TQ_ENCODE). */
const MAX_DEPTH = 64;

/**
 * Whether `JSON.stringify(value)` alone writes exactly what core's JSON serializer writes: only plain objects,
 * plain arrays, strings, numbers, booleans, null and undefined. Dates, bytes, Maps, Sets, BigInts, class instances
 * (a toJSON among them) and anything deeper than MAX_DEPTH need the serializer's replacer, whose callback per key
 * made encoding a no-op task's result meta ~6% of a worker's CPU.
 */
export function isPlainJson(value: unknown, depth = 0): boolean {
  if (value === null) return true;
  switch (typeof value) {
    case 'string':
    case 'number':
    case 'boolean':
    case 'undefined':
      return true;
    case 'object':
      break;
    default:
      return false;
  }
  if (depth >= MAX_DEPTH) return false;
  const prototype = Object.getPrototypeOf(value);
  if (prototype === Array.prototype) {
    for (const item of value as unknown[]) if (!isPlainJson(item, depth + 1)) return false;
    return true;
  }
  if (prototype !== Object.prototype && prototype !== null) return false;
  const record = value as Record<string, unknown>;
  for (const key in record) if (!isPlainJson(record[key], depth + 1)) return false;
  return true;
}
