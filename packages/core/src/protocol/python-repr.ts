/**
 * A Python-`repr`-like rendering of JS values, for the `argsrepr`/`kwargsrepr` headers that Celery shows in logs,
 * events and Flower. Display only: close to Python's output for JSON-like data (None/True/False, quoting rules,
 * tuples), not byte-exact. Output longer than `maxLength` is cut and ends with `...`, like Celery's saferepr.
 */

/** Celery's `argsrepr_maxsize` / `kwargsrepr_maxsize`. */
export const REPR_MAX_LENGTH = 1024;
const MAX_DEPTH = 8;

class Budget {
  parts: string[] = [];
  length = 0;
  constructor(readonly max: number) {}
  get exhausted(): boolean {
    return this.length > this.max;
  }
  push(text: string): void {
    this.parts.push(text);
    this.length += text.length;
  }
}

/** Renders `value` as Python would repr the equivalent object. */
export function pythonRepr(value: unknown, maxLength = REPR_MAX_LENGTH): string {
  const budget = new Budget(maxLength);
  write(value, budget, 0, new Set());
  return finish(budget);
}

/** Renders an args array as a Python tuple: `()`, `(1,)`, `(1, 2)`. */
export function pythonArgsRepr(args: readonly unknown[], maxLength = REPR_MAX_LENGTH): string {
  const budget = new Budget(maxLength);
  budget.push('(');
  writeItems(args, budget, 0, new Set());
  if (args.length === 1) budget.push(',');
  budget.push(')');
  return finish(budget);
}

function finish(budget: Budget): string {
  const text = budget.parts.join('');
  return text.length > budget.max ? `${text.slice(0, budget.max)}...` : text;
}

function write(value: unknown, out: Budget, depth: number, seen: Set<object>): void {
  if (out.exhausted) return;
  const leaf = leafRepr(value, depth, seen);
  if (leaf !== undefined) {
    out.push(leaf);
    return;
  }
  const object = value as object;
  seen.add(object);
  if (Array.isArray(object)) {
    out.push('[');
    writeItems(object, out, depth + 1, seen);
    out.push(']');
  } else if (object instanceof Set) {
    out.push(object.size === 0 ? 'set()' : '{');
    if (object.size > 0) writeItems([...object], out, depth + 1, seen);
    if (object.size > 0) out.push('}');
  } else {
    const entries = object instanceof Map ? [...object.entries()] : Object.entries(object);
    out.push('{');
    entries.forEach(([key, item], index) => {
      if (out.exhausted) return;
      if (index > 0) out.push(', ');
      write(key, out, depth + 1, seen);
      out.push(': ');
      write(item, out, depth + 1, seen);
    });
    out.push('}');
  }
  seen.delete(object);
}

/** The repr of anything that is not a container to walk; undefined for arrays, sets, maps and objects. */
function leafRepr(value: unknown, depth: number, seen: Set<object>): string | undefined {
  switch (typeof value) {
    case 'string':
      return pyString(value);
    case 'number':
      return pyNumber(value);
    case 'bigint':
      return value.toString();
    case 'boolean':
      return value ? 'True' : 'False';
    case 'undefined':
      return 'None';
    case 'function':
      return `<function ${value.name || '<anonymous>'}>`;
    case 'symbol':
      return `<${value.toString()}>`;
  }
  if (value === null) return 'None';
  if (seen.has(value as object) || depth >= MAX_DEPTH) return '...';
  if (value instanceof Date) return pyDatetime(value);
  if (value instanceof Uint8Array) return pyBytes(value);
  return undefined;
}

function writeItems(items: readonly unknown[], out: Budget, depth: number, seen: Set<object>): void {
  for (let i = 0; i < items.length && !out.exhausted; i++) {
    if (i > 0) out.push(', ');
    write(items[i], out, depth, seen);
  }
}

function pyNumber(value: number): string {
  if (Number.isNaN(value)) return 'nan';
  if (!Number.isFinite(value)) return value > 0 ? 'inf' : '-inf';
  // Python writes 1e-07 where JS writes 1e-7.
  return String(value).replace(/e([+-])(\d)$/, 'e$10$2');
}

/** Python's quoting: single quotes unless the text has a `'` and no `"`. */
function pyString(text: string): string {
  const quote = text.includes("'") && !text.includes('"') ? '"' : "'";
  let out = quote;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i] as string;
    const code = text.charCodeAt(i);
    if (ch === quote || ch === '\\') out += `\\${ch}`;
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (code < 0x20 || (code >= 0x7f && code < 0xa0)) out += `\\x${code.toString(16).padStart(2, '0')}`;
    else if (code >= 0xd800 && code <= 0xdbff && i + 1 < text.length && isLowSurrogate(text.charCodeAt(i + 1))) {
      out += ch + text[i + 1];
      i++;
    } else if (code >= 0xd800 && code <= 0xdfff) out += `\\u${code.toString(16)}`;
    else out += ch;
  }
  return out + quote;
}

const isLowSurrogate = (code: number) => code >= 0xdc00 && code <= 0xdfff;

function pyBytes(bytes: Uint8Array): string {
  let out = "b'";
  for (const byte of bytes) {
    if (byte === 0x27 || byte === 0x5c) out += `\\${String.fromCharCode(byte)}`;
    else if (byte === 0x0a) out += '\\n';
    else if (byte === 0x0d) out += '\\r';
    else if (byte === 0x09) out += '\\t';
    else if (byte < 0x20 || byte >= 0x7f) out += `\\x${byte.toString(16).padStart(2, '0')}`;
    else out += String.fromCharCode(byte);
  }
  return `${out}'`;
}

/** `datetime.datetime(2024, 1, 1, 12, 0, 5, 531000, tzinfo=datetime.timezone.utc)`, trailing zeros dropped. */
function pyDatetime(date: Date): string {
  if (Number.isNaN(date.getTime())) return 'Invalid Date';
  const fields = [
    date.getUTCFullYear(),
    date.getUTCMonth() + 1,
    date.getUTCDate(),
    date.getUTCHours(),
    date.getUTCMinutes(),
    date.getUTCSeconds(),
    date.getUTCMilliseconds() * 1000,
  ];
  if (fields[6] === 0) fields.pop();
  if (fields.length === 6 && fields[5] === 0) fields.pop();
  return `datetime.datetime(${fields.join(', ')}, tzinfo=datetime.timezone.utc)`;
}
