import { ErrorCodes, TqError } from '@tq/core';

/**
 * JSON as Python's `json.dumps` writes it by default (`", "` and `": "` separators, non-ASCII escaped), so values
 * tq stores next to Celery's look the same byte for byte where that matters: chord parts in the `.j` sorted set are
 * compared as strings, and a part reported twice must collapse into one member.
 */
export function pythonJson(value: unknown): string {
  let out: string | undefined;
  try {
    out = encode(value, 0);
  } catch (cause) {
    if (TqError.is(cause)) throw cause;
    throw new TqError(ErrorCodes.ENCODE, 'the value cannot be written as JSON', { cause });
  }
  return out === undefined ? 'null' : out;
}

/** Deeper than this is almost surely a cycle; Python's encoder refuses those too. */
const MAX_DEPTH = 500;

function encode(value: unknown, depth: number): string | undefined {
  if (depth > MAX_DEPTH) throw new TqError(ErrorCodes.ENCODE, 'the value is nested too deeply (a cycle?) to write as JSON');
  if (value === null) return 'null';
  switch (typeof value) {
    case 'string':
      return asciiString(value);
    case 'number':
      return Number.isFinite(value) ? JSON.stringify(value) : 'null';
    case 'boolean':
      return value ? 'true' : 'false';
    case 'bigint':
      return value.toString();
    case 'undefined':
      return undefined;
    case 'function':
    case 'symbol':
      throw new TqError(ErrorCodes.ENCODE, `a ${typeof value} cannot be written as JSON`);
  }
  if (ArrayBuffer.isView(value) || value instanceof ArrayBuffer || value instanceof Map || value instanceof Set) {
    throw new TqError(ErrorCodes.ENCODE, 'binary data, Maps and Sets have no plain JSON form');
  }
  const withJson = value as { toJSON?: () => unknown };
  if (typeof withJson.toJSON === 'function') return encode(withJson.toJSON(), depth + 1);
  if (Array.isArray(value)) return `[${value.map((item) => encode(item, depth + 1) ?? 'null').join(', ')}]`;
  const members: string[] = [];
  for (const [key, item] of Object.entries(value as Record<string, unknown>)) {
    const encoded = encode(item, depth + 1);
    if (encoded !== undefined) members.push(`${asciiString(key)}: ${encoded}`);
  }
  return `{${members.join(', ')}}`;
}

function asciiString(text: string): string {
  return JSON.stringify(text).replace(/[\u007f-\uffff]/g, (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
