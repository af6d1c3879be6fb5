import { readFileSync } from 'node:fs';
import { inflateSync } from 'node:zlib';
import { msgpackSerializer } from '@tq/serializer-msgpack';
import { describe, expect, test } from 'vitest';

/**
 * Bytes Python produced (kombu 5.2 + msgpack 1.0 via Celery 5.2, captured by fixtures/generate_fixtures.py), read
 * without Python: integers stay integers (numbers within ±2^53, BigInt beyond), bin stays bytes.
 */
interface Fixtures {
  messages: {
    name: string;
    envelope: { body: string; 'content-type': string; 'content-encoding': string; headers: Record<string, unknown> };
  }[];
  values: { name: string; content_type: string; content_encoding: string; hex: string }[];
}
const fixtures: Fixtures = JSON.parse(
  readFileSync(new URL('./fixtures/celery-msgpack-messages.json', import.meta.url), 'utf8'),
);

const expectedBody = [
  [42, 'user@example.com', { order_id: 981223, amount: 19.99 }],
  {
    created_at_ms: 1732406400123,
    wide: 2n ** 60n,
    negative_wide: -(2 ** 40),
    max_u64: 2n ** 64n - 1n,
    min_i64: -(2n ** 63n),
    beyond_safe: 2n ** 53n + 1n,
    safe_edge: Number.MAX_SAFE_INTEGER,
    raw: new Uint8Array([0x00, 0x01, 0xfe, 0xff]),
    text: 'héllo ✓',
    flag: true,
    nothing: null,
    ratio: 0.25,
    whole_float: 2,
    nested: { list: [1, [2, [3]]], empty: {} },
  },
  { callbacks: null, errbacks: null, chain: null, chord: null },
];

function message(name: string) {
  const found = fixtures.messages.find((candidate) => candidate.name === name);
  if (!found) throw new Error(`no fixture ${name}`);
  return found.envelope;
}

describe('msgpack written by Python Celery 5.2', () => {
  test('the content type and encoding kombu writes are ours', () => {
    const envelope = message('plain');
    expect(envelope['content-type']).toBe(msgpackSerializer.contentType);
    expect(envelope['content-encoding']).toBe(msgpackSerializer.contentEncoding);
  });

  test('a task body decodes with integers, bytes and nesting intact', () => {
    const body = msgpackSerializer.decode(Buffer.from(message('plain').body, 'base64')) as typeof expectedBody;
    expect(body).toEqual(expectedBody);
    const kwargs = body[1] as Record<string, unknown>;
    expect(typeof kwargs.created_at_ms).toBe('number');
    expect(Number.isInteger(kwargs.created_at_ms)).toBe(true);
    expect(typeof kwargs.safe_edge).toBe('number');
    expect(typeof kwargs.wide).toBe('bigint');
    expect(kwargs.raw).toBeInstanceOf(Uint8Array);
    expect(Buffer.isBuffer(kwargs.raw)).toBe(false);
  });

  test('a gzip-compressed body (compression: application/x-gzip, zlib format) decodes the same', () => {
    const envelope = message('gzip');
    expect(envelope.headers.compression).toBe('application/x-gzip');
    const body = msgpackSerializer.decode(inflateSync(Buffer.from(envelope.body, 'base64')));
    expect(body).toEqual(expectedBody);
  });

  test('re-encoding the decoded body gives a value Python packs the same way (round trip through tq)', () => {
    const bytes = Buffer.from(message('plain').body, 'base64');
    const again = msgpackSerializer.encode(msgpackSerializer.decode(bytes));
    expect(msgpackSerializer.decode(again)).toEqual(expectedBody);
  });

  test.each([
    ['uint64-max', 2n ** 64n - 1n],
    ['int64-min', -(2n ** 63n)],
    ['two-pow-53', 2 ** 53], // exactly representable: still a number
    ['bytes-empty', new Uint8Array(0)],
    ['str-empty', ''],
    ['map-int-keys', { 1: 'one' }],
  ])('kombu-packed %s', (name, expected) => {
    const value = fixtures.values.find((candidate) => candidate.name === name)!;
    expect(value.content_type).toBe('application/x-msgpack');
    expect(msgpackSerializer.decode(Buffer.from(value.hex, 'hex'))).toEqual(expected);
  });
});
