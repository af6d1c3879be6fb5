import type { ScalarTag } from 'yaml';
import { stringifyString, stringTag } from 'yaml/util';

/**
 * Anything but printable characters PyYAML reads the same raw: its reader refuses non-printables anywhere
 * (yaml/reader.py NON_PRINTABLE), it cannot scan a tab in a plain scalar, and it folds a raw NEL (U+0085) inside
 * quotes into a space. Strings holding such characters, or any line break, are written double-quoted with every
 * one of them escaped.
 */
const NEEDS_ESCAPES = /[^\x20-\x7e\xa0-\u2027\u202a-\ud7ff\ue000-\ufefe\uff00-\ufffd\u{10000}-\u{10ffff}]/u;

/** `<<` alone is PyYAML's merge key; quoted, it is the string. */
const MERGE_KEY = '<<';

const NAMED_ESCAPES: Record<string, string> = {
  '\0': '\\0',
  '\x07': '\\a',
  '\b': '\\b',
  '\t': '\\t',
  '\n': '\\n',
  '\v': '\\v',
  '\f': '\\f',
  '\r': '\\r',
  '\x1b': '\\e',
  '"': '\\"',
  '\\': '\\\\',
  '\x85': '\\N',
  '\u2028': '\\L',
  '\u2029': '\\P',
};

/** A double-quoted YAML scalar on one line, every character PyYAML could misread written as an escape. */
export function escapedDoubleQuoted(value: string): string {
  let out = '"';
  for (const char of value) {
    const named = NAMED_ESCAPES[char];
    if (named !== undefined) out += named;
    else if (NEEDS_ESCAPES.test(char)) {
      const code = char.codePointAt(0)!;
      out += code <= 0xff ? `\\x${hex(code, 2)}` : code <= 0xffff ? `\\u${hex(code, 4)}` : `\\U${hex(code, 8)}`;
    } else out += char;
  }
  return `${out}"`;
}

const hex = (code: number, width: number) => code.toString(16).toUpperCase().padStart(width, '0');

export const pyyamlStringTag: ScalarTag = {
  ...(stringTag as ScalarTag),
  stringify(item, ctx, onComment, onChompKeep) {
    const value = item.value;
    if (typeof value === 'string' && NEEDS_ESCAPES.test(value)) return escapedDoubleQuoted(value);
    if (value === MERGE_KEY) return escapedDoubleQuoted(value);
    // actualString makes the stringifier quote text that a schema tag would read as something else ('yes', '0777').
    return stringifyString(item, { actualString: true, ...ctx }, onComment, onChompKeep);
  },
};
