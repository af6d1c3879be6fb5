/**
 * Python's `json.dumps` writes `NaN`, `Infinity` and `-Infinity` as bare words (allow_nan=True is its default),
 * which JSON.parse rejects. When a parse fails, the text is rewritten with those words replaced by marker strings
 * (outside string literals only) and parsed again; the reviver turns the markers back into numbers.
 */

const MARKERS: Record<string, number> = {
  '\u0000tq:NaN': Number.NaN,
  '\u0000tq:Infinity': Number.POSITIVE_INFINITY,
  '\u0000tq:-Infinity': Number.NEGATIVE_INFINITY,
};

/** True when the text may hold Python's non-finite number words (cheap pre-check before the rewrite). */
export function mayContainPythonConstants(text: string): boolean {
  return text.includes('NaN') || text.includes('Infinity');
}

/** Replaces bare NaN / Infinity / -Infinity outside strings with marker strings; null if there were none. */
export function replacePythonConstants(text: string): string | null {
  let out = '';
  let last = 0;
  let replaced = false;
  let i = 0;
  while (i < text.length) {
    const ch = text.charCodeAt(i);
    if (ch === 0x22 /* " */) {
      i = skipString(text, i);
      continue;
    }
    const word = text.startsWith('-Infinity', i)
      ? '-Infinity'
      : text.startsWith('Infinity', i)
        ? 'Infinity'
        : text.startsWith('NaN', i)
          ? 'NaN'
          : null;
    if (word) {
      out += `${text.slice(last, i)}"\\u0000tq:${word}"`;
      i += word.length;
      last = i;
      replaced = true;
      continue;
    }
    i++;
  }
  return replaced ? out + text.slice(last) : null;
}

function skipString(text: string, start: number): number {
  let i = start + 1;
  while (i < text.length) {
    const ch = text.charCodeAt(i);
    if (ch === 0x5c /* \ */) i += 2;
    else if (ch === 0x22) return i + 1;
    else i++;
  }
  return i;
}

/** Maps a marker string back to its number; anything else is returned unchanged. */
export function restorePythonConstant(value: unknown): unknown {
  return typeof value === 'string' && value in MARKERS ? MARKERS[value] : value;
}
