/**
 * Converts Celery's JSON-shaped headers to AMQP field tables and back.
 *
 * Integers are written with explicit types because amqplib would otherwise pick the smallest one (`b`, `s`),
 * and py-amqp reads `b` as unsigned and `s` as a short *string*, which corrupts the rest of the table in Python.
 * Integers in the signed 32-bit range go out as `I` (read the same everywhere), larger ones as `l`, fractions as
 * `d`. Coming in, amqplib's tagged values (timestamps, decimals) and byte arrays become plain JSON values.
 */

const INT32_MIN = -0x80000000;
const INT32_MAX = 0x7fffffff;

type Tagged = { '!': string; value: unknown };

export function encodeHeaderTable(headers: Record<string, unknown>): Record<string, unknown> {
  const table: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(headers)) {
    if (value === undefined) continue;
    table[key] = encodeValue(value);
  }
  return table;
}

function encodeValue(value: unknown): unknown {
  if (value === null || value === undefined) return null;
  switch (typeof value) {
    case 'number':
      if (!Number.isFinite(value) || !Number.isInteger(value)) return { '!': 'double', value } satisfies Tagged;
      if (value >= INT32_MIN && value <= INT32_MAX) return { '!': 'int', value } satisfies Tagged;
      return { '!': 'long', value } satisfies Tagged;
    case 'bigint':
      return { '!': 'long', value } satisfies Tagged;
    case 'string':
    case 'boolean':
      return value;
    case 'object':
      if (Array.isArray(value)) return value.map(encodeValue);
      if (value instanceof Date) return value.toISOString();
      if (value instanceof Uint8Array) return Buffer.from(value.buffer, value.byteOffset, value.byteLength);
      return encodeHeaderTable(value as Record<string, unknown>);
    default:
      return String(value);
  }
}

export function decodeHeaderTable(table: Record<string, unknown> | undefined): Record<string, unknown> {
  const headers: Record<string, unknown> = {};
  if (!table) return headers;
  for (const [key, value] of Object.entries(table)) headers[key] = decodeValue(value);
  return headers;
}

function decodeValue(value: unknown): unknown {
  if (value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map(decodeValue);
  if (Buffer.isBuffer(value)) return value.toString('utf8');
  const tagged = value as Partial<Tagged>;
  if (tagged['!'] === 'timestamp' && typeof tagged.value === 'number') return tagged.value;
  if (tagged['!'] === 'decimal' && typeof tagged.value === 'object' && tagged.value !== null) {
    const { places, digits } = tagged.value as { places: number; digits: number };
    return digits / 10 ** places;
  }
  return decodeHeaderTable(value as Record<string, unknown>);
}
