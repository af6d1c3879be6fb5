/**
 * A tiny JSON scanner that finds where values sit in a JSON text without parsing numbers. The transport edits
 * envelopes written by Python (`redelivered: true`) and cuts them out of `unacked` records; going through
 * JSON.parse/stringify would round big integers and reformat floats that a Python worker reads back.
 */

export interface Span {
  start: number;
  end: number;
}

export interface MemberSpan extends Span {
  key: string;
}

const WHITESPACE = new Set([0x20, 0x09, 0x0a, 0x0d]);

export function skipWhitespace(text: string, index: number): number {
  let i = index;
  while (i < text.length && WHITESPACE.has(text.charCodeAt(i))) i++;
  return i;
}

/** Index just after the JSON value starting at `index` (whitespace already skipped). Throws on malformed input. */
export function skipValue(text: string, index: number): number {
  const char = text[index];
  if (char === '"') return skipString(text, index);
  if (char === '{' || char === '[') return skipContainer(text, index);
  let i = index;
  while (i < text.length && !',]}'.includes(text[i] as string) && !WHITESPACE.has(text.charCodeAt(i))) i++;
  if (i === index) throw new SyntaxError(`expected a JSON value at ${index}`);
  return i;
}

function skipString(text: string, index: number): number {
  let i = index + 1;
  while (i < text.length) {
    const char = text[i];
    if (char === '\\') i += 2;
    else if (char === '"') return i + 1;
    else i++;
  }
  throw new SyntaxError('unterminated JSON string');
}

function skipContainer(text: string, index: number): number {
  let depth = 0;
  let i = index;
  while (i < text.length) {
    const char = text[i];
    if (char === '"') {
      i = skipString(text, i);
      continue;
    }
    if (char === '{' || char === '[') depth++;
    else if (char === '}' || char === ']') {
      depth--;
      if (depth === 0) return i + 1;
    }
    i++;
  }
  throw new SyntaxError('unterminated JSON container');
}

/** The members of the object starting at `index` (the `{`), with the span of each value. */
export function objectMembers(text: string, index: number): MemberSpan[] {
  if (text[index] !== '{') throw new SyntaxError(`expected an object at ${index}`);
  const members: MemberSpan[] = [];
  let i = skipWhitespace(text, index + 1);
  if (text[i] === '}') return members;
  for (;;) {
    if (text[i] !== '"') throw new SyntaxError(`expected a key at ${i}`);
    const keyEnd = skipString(text, i);
    const key = JSON.parse(text.slice(i, keyEnd)) as string;
    i = skipWhitespace(text, keyEnd);
    if (text[i] !== ':') throw new SyntaxError(`expected ':' at ${i}`);
    const start = skipWhitespace(text, i + 1);
    const end = skipValue(text, start);
    members.push({ key, start, end });
    i = skipWhitespace(text, end);
    if (text[i] === '}') return members;
    if (text[i] !== ',') throw new SyntaxError(`expected ',' at ${i}`);
    i = skipWhitespace(text, i + 1);
  }
}

/** The elements of the array starting at `index` (the `[`). */
export function arrayElements(text: string, index: number): Span[] {
  if (text[index] !== '[') throw new SyntaxError(`expected an array at ${index}`);
  const elements: Span[] = [];
  let i = skipWhitespace(text, index + 1);
  if (text[i] === ']') return elements;
  for (;;) {
    const end = skipValue(text, i);
    elements.push({ start: i, end });
    i = skipWhitespace(text, end);
    if (text[i] === ']') return elements;
    if (text[i] !== ',') throw new SyntaxError(`expected ',' at ${i}`);
    i = skipWhitespace(text, i + 1);
  }
}

interface Edit {
  at: number;
  removeUntil: number;
  insert: string;
}

/** An edit that sets `key` to the literal `valueText` in the object at `objectStart`. */
function setMemberEdit(text: string, objectStart: number, key: string, valueText: string): Edit {
  const members = objectMembers(text, objectStart);
  const existing = members.find((member) => member.key === key);
  if (existing) return { at: existing.start, removeUntil: existing.end, insert: valueText };
  const member = `${JSON.stringify(key)}: ${valueText}`;
  return { at: objectStart + 1, removeUntil: objectStart + 1, insert: members.length > 0 ? `${member}, ` : member };
}

/**
 * Sets `headers.redelivered` and `properties.delivery_info.redelivered` to true, as kombu's restore does, editing
 * only those spots. Returns undefined when the text is not an envelope object.
 */
export function markRedelivered(envelope: string): string | undefined {
  try {
    const start = skipWhitespace(envelope, 0);
    const top = objectMembers(envelope, start);
    const edits: Edit[] = [];
    const headers = top.find((member) => member.key === 'headers');
    if (headers && envelope[headers.start] === '{') edits.push(setMemberEdit(envelope, headers.start, 'redelivered', 'true'));
    const properties = top.find((member) => member.key === 'properties');
    if (properties && envelope[properties.start] === '{') {
      const info = objectMembers(envelope, properties.start).find((member) => member.key === 'delivery_info');
      if (info && envelope[info.start] === '{') edits.push(setMemberEdit(envelope, info.start, 'redelivered', 'true'));
    }
    edits.sort((a, b) => b.at - a.at);
    let out = envelope;
    for (const edit of edits) out = out.slice(0, edit.at) + edit.insert + out.slice(edit.removeUntil);
    return out;
  } catch {
    return undefined;
  }
}

/** Splits kombu's `unacked` record `[envelope, exchange, routing_key]` without re-encoding the envelope. */
export function splitUnackedRecord(record: string): { envelope: string; exchange: string; routingKey: string } | undefined {
  try {
    const start = skipWhitespace(record, 0);
    const [envelope, exchange, routingKey] = arrayElements(record, start);
    if (!envelope || !exchange || !routingKey) return undefined;
    const ex = JSON.parse(record.slice(exchange.start, exchange.end)) as unknown;
    const rk = JSON.parse(record.slice(routingKey.start, routingKey.end)) as unknown;
    return {
      envelope: record.slice(envelope.start, envelope.end),
      exchange: typeof ex === 'string' ? ex : '',
      routingKey: typeof rk === 'string' ? rk : '',
    };
  } catch {
    return undefined;
  }
}
