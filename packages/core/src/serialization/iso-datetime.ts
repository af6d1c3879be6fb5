/**
 * ISO-8601 date-times the way Python writes and reads them. JS Dates carry milliseconds; Python datetimes carry
 * microseconds, so formatting pads the fraction to six digits (Python's `isoformat` does the same) and parsing
 * truncates extra digits to milliseconds.
 */

export type IsoDateTimeStyle =
  /** `datetime.isoformat()` of an aware UTC datetime: `2024-01-01T12:00:00.531000+00:00` (Celery's eta/expires). */
  | 'python'
  /** kombu 5.2's JSON encoder: the same with `+00:00` written as `Z`. */
  | 'kombu52';

const pad = (value: number, width: number) => String(value).padStart(width, '0');

/** Formats a Date as Python would format the same aware UTC datetime (fraction omitted when zero, like Python). */
export function formatIsoDateTime(date: Date, style: IsoDateTimeStyle = 'python'): string {
  const time = date.getTime();
  if (Number.isNaN(time)) throw new RangeError('cannot format an invalid Date');
  const ms = date.getUTCMilliseconds();
  const fraction = ms === 0 ? '' : `.${pad(ms, 3)}000`;
  const head =
    `${pad(date.getUTCFullYear(), 4)}-${pad(date.getUTCMonth() + 1, 2)}-${pad(date.getUTCDate(), 2)}` +
    `T${pad(date.getUTCHours(), 2)}:${pad(date.getUTCMinutes(), 2)}:${pad(date.getUTCSeconds(), 2)}${fraction}`;
  return head + (style === 'kombu52' ? 'Z' : '+00:00');
}

const ISO_PATTERN =
  /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d+))?)?)?\s*(Z|z|[+-]\d{2}(?::?\d{2}(?::?\d{2}(?:\.\d+)?)?)?)?$/;

/**
 * Parses the ISO-8601 forms Python and Celery write (`isoformat()`, with or without offset, `Z`, a space instead
 * of `T`, any number of fraction digits). A value without an offset is taken as UTC, as Celery does for naive
 * eta/expires. Returns null when the text is not such a date-time.
 */
export function parseIsoDateTime(text: string): Date | null {
  const match = ISO_PATTERN.exec(text.trim());
  if (!match) return null;
  const [, y, mo, d, h = '0', mi = '0', s = '0', frac = '', offset] = match;
  const year = Number(y);
  const month = Number(mo);
  const day = Number(d);
  const hour = Number(h);
  const minute = Number(mi);
  const second = Number(s);
  if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 59) return null;
  const ms = frac === '' ? 0 : Number(frac.slice(0, 3).padEnd(3, '0'));
  const date = new Date(0);
  date.setUTCFullYear(year, month - 1, day);
  date.setUTCHours(hour, minute, second, ms);
  // Reject rollovers such as 2024-02-31.
  if (date.getUTCDate() !== day || date.getUTCMonth() !== month - 1) return null;
  return new Date(date.getTime() - offsetMs(offset));
}

function offsetMs(offset: string | undefined): number {
  if (offset === undefined || offset === 'Z' || offset === 'z') return 0;
  const sign = offset.startsWith('-') ? -1 : 1;
  const digits = offset.slice(1).replace(/:/g, '');
  const hours = Number(digits.slice(0, 2));
  const minutes = Number(digits.slice(2, 4) || '0');
  const seconds = Number(digits.slice(4) || '0');
  return sign * ((hours * 60 + minutes) * 60 + seconds) * 1000;
}
