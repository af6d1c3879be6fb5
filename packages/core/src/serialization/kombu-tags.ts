import { ErrorCodes, TqError } from '../errors/index.js';
import { parseIsoDateTime } from './iso-datetime.js';

/**
 * kombu >= 5.3 writes Python types JSON has no word for as `{"__type__": T, "__value__": V}`
 * (kombu/utils/json.py). This file maps those tags to JS values and builds them for values that have no JS type.
 *
 * | tag        | wire value                      | decoded as (JS)                               |
 * |------------|---------------------------------|-----------------------------------------------|
 * | `datetime` | `datetime.isoformat()`          | `Date` (microseconds truncated to ms; naive = UTC) |
 * | `date`     | `YYYY-MM-DD`                    | the string                                    |
 * | `time`     | `time.isoformat()`              | the string                                    |
 * | `decimal`  | `str(Decimal)`                  | the string (no precision lost)                |
 * | `uuid`     | `{"hex": ..., "version": n}`    | the canonical hyphenated lowercase string     |
 * | `bytes`    | UTF-8 text                      | `Uint8Array`                                  |
 * | `base64`   | base64 text                     | `Uint8Array`                                  |
 *
 * A tag kombu does not know is left as the plain object (kombu would raise; a newer kombu may add tags).
 */

export type KombuTagName = 'datetime' | 'date' | 'time' | 'decimal' | 'uuid' | 'bytes' | 'base64';

export interface KombuTagged<T extends string = string, V = unknown> {
  __type__: T;
  __value__: V;
}

/** True for an object whose only keys are `__type__` (a string) and `__value__`, as kombu checks. */
export function isKombuTagged(value: unknown): value is KombuTagged {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const keys = Object.keys(value);
  return (
    keys.length === 2 &&
    '__type__' in value &&
    '__value__' in value &&
    typeof (value as KombuTagged).__type__ === 'string'
  );
}

const BASE64_PATTERN = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const UUID_HEX_PATTERN = /^[0-9a-f]{32}$/;

/** Decodes one tagged object; returns it unchanged when the tag is unknown. Throws TQ_DECODE on a bad value. */
export function decodeKombuTag(tagged: KombuTagged): unknown {
  const value = tagged.__value__;
  switch (tagged.__type__) {
    case 'datetime': {
      const date = typeof value === 'string' ? parseIsoDateTime(value) : null;
      if (!date) throw badTag('datetime', value);
      return date;
    }
    case 'date':
    case 'time':
    case 'decimal':
      if (typeof value !== 'string') throw badTag(tagged.__type__, value);
      return value;
    case 'uuid':
      return decodeUuid(value);
    case 'bytes':
      if (typeof value !== 'string') throw badTag('bytes', value);
      return new Uint8Array(Buffer.from(value, 'utf8'));
    case 'base64': {
      if (typeof value !== 'string') throw badTag('base64', value);
      const compact = value.replace(/\s+/g, '');
      if (!BASE64_PATTERN.test(compact)) throw badTag('base64', value);
      return new Uint8Array(Buffer.from(compact, 'base64'));
    }
    default:
      return tagged;
  }
}

function decodeUuid(value: unknown): string {
  const raw = typeof value === 'string' ? value : (value as { hex?: unknown } | null)?.hex;
  const hex =
    typeof raw === 'string'
      ? raw
          .replace(/^urn:uuid:/i, '')
          .replace(/[{}-]/g, '')
          .toLowerCase()
      : '';
  if (!UUID_HEX_PATTERN.test(hex)) throw badTag('uuid', value);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

function badTag(type: string, value: unknown): TqError {
  const shown = JSON.stringify(value)?.slice(0, 80) ?? String(value);
  return new TqError(ErrorCodes.DECODE, `invalid kombu ${type} value: ${shown}`, { details: { type } });
}

/** Encodes bytes as kombu >= 5.3 does: `bytes` with the text when it is valid UTF-8, `base64` otherwise. */
export function tagBytes(bytes: Uint8Array): KombuTagged<'bytes' | 'base64', string> {
  try {
    return { __type__: 'bytes', __value__: strictUtf8.decode(bytes) };
  } catch {
    return {
      __type__: 'base64',
      __value__: Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64'),
    };
  }
}

const strictUtf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

// Builders for Python types with no JS equivalent. The JSON serializer writes them as they are, so a Python
// client on kombu >= 5.3 receives a real Decimal/UUID/date/time (kombu 5.2 receives the dict).

/** A Python `Decimal` (kombu >= 5.3). Pass the exact decimal text, e.g. `'12.50'`. */
export function tagDecimal(value: string | number): KombuTagged<'decimal', string> {
  return { __type__: 'decimal', __value__: String(value) };
}

/** A Python `uuid.UUID` (kombu >= 5.3), from any common spelling of a UUID. */
export function tagUuid(uuid: string): KombuTagged<'uuid', { hex: string; version: number | null }> {
  const hex = decodeUuid(uuid).replace(/-/g, '');
  // UUID(hex=..., version=n) rewrites the variant/version bits, so only pass the version of an RFC 4122 UUID.
  const rfc4122 = /^[89ab]$/.test(hex.charAt(16));
  const version = rfc4122 ? Number.parseInt(hex.charAt(12), 16) : null;
  return { __type__: 'uuid', __value__: { hex, version: version && version >= 1 && version <= 8 ? version : null } };
}

/** A Python `datetime.date` (kombu >= 5.3) from `YYYY-MM-DD`, or from a Date (its UTC calendar day). */
export function tagDate(value: string | Date): KombuTagged<'date', string> {
  const text = typeof value === 'string' ? value : value.toISOString().slice(0, 10);
  return { __type__: 'date', __value__: text };
}

/** A Python `datetime.time` (kombu >= 5.3) from `HH:MM[:SS[.ffffff]][+HH:MM]`. */
export function tagTime(value: string): KombuTagged<'time', string> {
  return { __type__: 'time', __value__: value };
}
