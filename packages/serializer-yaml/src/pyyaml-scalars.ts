import type { ScalarTag } from 'yaml';

/**
 * Plain-scalar resolution exactly as PyYAML's (Celery's YAML: `yaml.safe_dump` / `yaml.safe_load`). The regexes are
 * PyYAML's implicit resolvers (yaml/resolver.py). The same regexes decide what we must quote when writing: a string
 * that PyYAML would read as anything but a string ('yes', 'on', '0777', '1_000', '1:20', '~', '=') gets quoted, and
 * one it reads as a string ('y', 'n', '1e3', '08') is written plain and read back as a string here too. The `yaml`
 * package's own 1.1 schema differs in these corners (it reads `y`/`n` as booleans, writes `1e+21`).
 */

const NULL = /^(?:~|null|Null|NULL|)$/;
const TRUE = /^(?:yes|Yes|YES|true|True|TRUE|on|On|ON)$/;
const FALSE = /^(?:no|No|NO|false|False|FALSE|off|Off|OFF)$/;
const INT =
  /^(?:[-+]?0b[0-1_]+|[-+]?0[0-7_]+|[-+]?(?:0|[1-9][0-9_]*)|[-+]?0x[0-9a-fA-F_]+|[-+]?[1-9][0-9_]*(?::[0-5]?[0-9])+)$/;
const FLOAT =
  /^(?:[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+][0-9]+)?|\.[0-9][0-9_]*(?:[eE][-+][0-9]+)?|[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+\.[0-9_]*|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$/;
const TIMESTAMP =
  /^(?:([0-9]{4})-([0-9]{2})-([0-9]{2})|([0-9]{4})-([0-9]{1,2})-([0-9]{1,2})(?:[Tt]|[ \t]+)([0-9]{1,2}):([0-9]{2}):([0-9]{2})(?:\.([0-9]*))?(?:[ \t]*(Z|([-+])([0-9]{1,2})(?::([0-9]{2}))?))?)$/;
const VALUE = /^=$/;

export const nullTag: ScalarTag = {
  tag: 'tag:yaml.org,2002:null',
  default: true,
  identify: (value) => value === null || value === undefined,
  test: NULL,
  resolve: () => null,
  stringify: () => 'null',
};

export const trueTag: ScalarTag = {
  tag: 'tag:yaml.org,2002:bool',
  default: true,
  identify: (value) => value === true,
  test: TRUE,
  resolve: () => true,
  stringify: () => 'true',
};

export const falseTag: ScalarTag = {
  tag: 'tag:yaml.org,2002:bool',
  default: true,
  identify: (value) => value === false,
  test: FALSE,
  resolve: () => false,
  stringify: () => 'false',
};

/**
 * Integers: numbers within ±2^53 (where numbers are exact), BigInt beyond (PyYAML ints are unbounded), the same
 * rule as @tq/serializer-msgpack. Integer numbers in that range and BigInts write as ints.
 */
export const intTag: ScalarTag = {
  tag: 'tag:yaml.org,2002:int',
  default: true,
  identify: (value) =>
    typeof value === 'bigint' || (typeof value === 'number' && Number.isInteger(value) && Math.abs(value) <= 2 ** 53),
  test: INT,
  resolve: (source) => numberOrBigInt(parseInteger(source)),
  stringify: ({ value }) => String(value),
};

/** Every other number is a float, written so PyYAML's float regex matches it (a dot, a signed exponent). */
export const floatTag: ScalarTag = {
  tag: 'tag:yaml.org,2002:float',
  default: true,
  identify: (value) => typeof value === 'number',
  test: FLOAT,
  resolve: parseFloatLike,
  stringify: ({ value }) => formatFloat(value as number),
};

/** Dates write as full ISO-8601 UTC (PyYAML reads an aware datetime); a timestamp without zone reads as UTC. */
export const timestampTag: ScalarTag = {
  tag: 'tag:yaml.org,2002:timestamp',
  default: true,
  identify: (value) => value instanceof Date,
  test: TIMESTAMP,
  resolve: parseTimestamp,
  stringify: ({ value }) => (value as Date).toISOString(),
};

/** `=` is PyYAML's "value" key; safe_load cannot construct it, so we only make sure a string '=' gets quoted. */
export const valueTag: ScalarTag = {
  tag: 'tag:yaml.org,2002:value',
  default: true,
  test: VALUE,
  resolve: () => '=',
};

function parseInteger(source: string): bigint {
  let text = source.replace(/_/g, '');
  let sign = 1n;
  if (text[0] === '-') sign = -1n;
  if (text[0] === '-' || text[0] === '+') text = text.slice(1);
  if (text === '0') return 0n;
  if (text.startsWith('0b')) return sign * BigInt(text);
  if (text.startsWith('0x')) return sign * BigInt(text);
  if (text[0] === '0') return sign * BigInt(`0o${text.slice(1)}`);
  if (text.includes(':')) {
    let total = 0n;
    for (const part of text.split(':')) total = total * 60n + BigInt(part);
    return sign * total;
  }
  return sign * BigInt(text);
}

const TWO_POW_53 = 2n ** 53n;

function numberOrBigInt(value: bigint): number | bigint {
  return value <= TWO_POW_53 && value >= -TWO_POW_53 ? Number(value) : value;
}

function parseFloatLike(source: string): number {
  let text = source.replace(/_/g, '').toLowerCase();
  let sign = 1;
  if (text[0] === '-') sign = -1;
  if (text[0] === '-' || text[0] === '+') text = text.slice(1);
  if (text === '.inf') return sign * Number.POSITIVE_INFINITY;
  if (text === '.nan') return Number.NaN;
  if (text.includes(':')) {
    let total = 0;
    for (const part of text.split(':')) total = total * 60 + Number.parseFloat(part);
    return sign * total;
  }
  return sign * Number.parseFloat(text);
}

function formatFloat(value: number): string {
  if (Number.isNaN(value)) return '.nan';
  if (value === Number.POSITIVE_INFINITY) return '.inf';
  if (value === Number.NEGATIVE_INFINITY) return '-.inf';
  const text = String(value); // shortest text that reads back to the same double
  const exponentAt = text.indexOf('e');
  if (exponentAt === -1) return text.includes('.') ? text : `${text}.0`;
  const mantissa = text.slice(0, exponentAt);
  return `${mantissa.includes('.') ? mantissa : `${mantissa}.0`}${text.slice(exponentAt)}`;
}

function parseTimestamp(source: string): Date {
  const match = TIMESTAMP.exec(source)!;
  if (match[1] !== undefined) return new Date(Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3])));
  const [year, month, day, hour, minute, second] = match.slice(4, 10).map(Number) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  const fraction = match[10] ?? '';
  const milliseconds = Number(`${fraction}000`.slice(0, 3));
  let time = Date.UTC(year, month - 1, day, hour, minute, second, milliseconds);
  if (match[11] !== undefined && match[11] !== 'Z') {
    const offsetMinutes = Number(match[13]) * 60 + Number(match[14] ?? 0);
    time -= (match[12] === '-' ? -1 : 1) * offsetMinutes * 60_000;
  }
  return new Date(time);
}
