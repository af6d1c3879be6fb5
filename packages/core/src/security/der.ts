/**
 * Just enough of a DER reader to pull the issuer, serial number and validity out of an X.509 certificate.
 * Node's X509Certificate renders the issuer as escaped text; Celery's signer id needs the raw attribute values
 * in certificate order, so they are read from the DER itself. Throws plain Errors; callers wrap them.
 */
export interface DerNode {
  /** The identifier octet (class, constructed bit and tag number; high tag numbers are not needed here). */
  readonly tag: number;
  readonly content: Uint8Array;
  /** Offset just past this node in the buffer it was read from. */
  readonly end: number;
}

export const DerTag = {
  INTEGER: 0x02,
  UTF8_STRING: 0x0c,
  PRINTABLE_STRING: 0x13,
  T61_STRING: 0x14,
  IA5_STRING: 0x16,
  UTC_TIME: 0x17,
  GENERALIZED_TIME: 0x18,
  VISIBLE_STRING: 0x1a,
  UNIVERSAL_STRING: 0x1c,
  BMP_STRING: 0x1e,
  SEQUENCE: 0x30,
  SET: 0x31,
  /** `[0] EXPLICIT`, the optional version field of a TBSCertificate. */
  CONTEXT_0: 0xa0,
} as const;

export function readDerNode(bytes: Uint8Array, offset = 0): DerNode {
  if (offset + 2 > bytes.length) throw new Error('truncated DER');
  const tag = bytes[offset] as number;
  if ((tag & 0x1f) === 0x1f) throw new Error('unsupported high-tag-number DER form');
  let length = bytes[offset + 1] as number;
  let start = offset + 2;
  if (length & 0x80) {
    const octets = length & 0x7f;
    if (octets === 0 || octets > 4) throw new Error('unsupported DER length');
    length = 0;
    for (let i = 0; i < octets; i++) length = length * 256 + (bytes[start + i] as number);
    start += octets;
  }
  const end = start + length;
  if (end > bytes.length) throw new Error('truncated DER');
  return { tag, content: bytes.subarray(start, end), end };
}

/** The nodes inside a constructed node (SEQUENCE, SET, explicit tag). */
export function derChildren(node: DerNode): DerNode[] {
  const children: DerNode[] = [];
  let offset = 0;
  while (offset < node.content.length) {
    const child = readDerNode(node.content, offset);
    children.push(child);
    offset = child.end;
  }
  return children;
}

export function expectTag(node: DerNode | undefined, tag: number, what: string): DerNode {
  if (!node || node.tag !== tag) throw new Error(`expected ${what}`);
  return node;
}

/** A DER INTEGER as a decimal string (two's complement, so negative serial numbers read as Python reads them). */
export function derIntegerToDecimal(node: DerNode): string {
  const bytes = node.content;
  if (bytes.length === 0) throw new Error('empty INTEGER');
  let value = 0n;
  for (const byte of bytes) value = (value << 8n) | BigInt(byte);
  if ((bytes[0] as number) & 0x80) value -= 1n << BigInt(bytes.length * 8);
  return value.toString();
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * A directory string as the `cryptography` package (Celery's X.509 library) returns it: BMPString as UTF-16BE,
 * UniversalString as UTF-32BE, every other string type's bytes as UTF-8.
 */
export function derStringValue(node: DerNode): string {
  if (node.tag === DerTag.BMP_STRING) {
    if (node.content.length % 2 !== 0) throw new Error('odd-length BMPString');
    let text = '';
    for (let i = 0; i < node.content.length; i += 2) {
      text += String.fromCharCode(((node.content[i] as number) << 8) | (node.content[i + 1] as number));
    }
    return text;
  }
  if (node.tag === DerTag.UNIVERSAL_STRING) {
    if (node.content.length % 4 !== 0) throw new Error('UniversalString length is not a multiple of 4');
    const view = new DataView(node.content.buffer, node.content.byteOffset, node.content.byteLength);
    let text = '';
    for (let i = 0; i < node.content.length; i += 4) text += String.fromCodePoint(view.getUint32(i, false));
    return text;
  }
  return utf8.decode(node.content);
}

/** UTCTime (`YYMMDDHHMMSSZ`, years 50-99 are 19xx) or GeneralizedTime (`YYYYMMDDHHMMSSZ`) as a Date. */
export function derTime(node: DerNode): Date {
  const text = new TextDecoder('latin1').decode(node.content);
  const utc = node.tag === DerTag.UTC_TIME;
  const match = (utc ? /^(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})Z$/ : /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(?:\.\d+)?Z$/).exec(text);
  if (!match) throw new Error(`unsupported certificate time ${JSON.stringify(text)}`);
  const [, y, mo, d, h, mi, s] = match.map(Number) as number[];
  const year = utc ? ((y as number) >= 50 ? 1900 + (y as number) : 2000 + (y as number)) : (y as number);
  return new Date(Date.UTC(year, (mo as number) - 1, d, h, mi, s));
}
