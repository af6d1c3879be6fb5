// Imported from this package's modules rather than '@tq/core' so these tests do not depend on unrelated
// modules of the entry point that other work may have mid-change.
import { ErrorCodes, TqError } from '../../src/errors/index.js';
import {
  createJsonSerializer,
  jsonSerializer,
  tagDate,
  tagDecimal,
  tagTime,
  tagUuid,
} from '../../src/serialization/index.js';
import { describe, expect, it } from 'vitest';

const text = (bytes: Uint8Array) => new TextDecoder().decode(bytes);
const bytesOf = (value: string) => new TextEncoder().encode(value);

function expectTqError(run: () => unknown, code: string): TqError {
  try {
    run();
  } catch (error) {
    expect(TqError.is(error, code as never)).toBe(true);
    expect((error as Error).message).not.toContain('\n');
    return error as TqError;
  }
  throw new Error(`expected ${code}, nothing was thrown`);
}

describe('jsonSerializer', () => {
  it('declares Celery json content type and encoding', () => {
    expect(jsonSerializer.name).toBe('json');
    expect(jsonSerializer.contentType).toBe('application/json');
    expect(jsonSerializer.contentEncoding).toBe('utf-8');
  });

  it('round-trips JSON data, including non-ASCII text', () => {
    const value = [[1, 2.5, 'héllo ☃ 𝄞'], { nested: { list: [true, false, null] } }, {}];
    expect(jsonSerializer.decode(jsonSerializer.encode(value))).toEqual(value);
  });

  it('writes Dates as kombu 5.2 does by default (plain ISO, Z, microseconds)', () => {
    const encoded = text(jsonSerializer.encode({ when: new Date('2024-01-01T12:00:00.531Z') }));
    expect(encoded).toBe('{"when":"2024-01-01T12:00:00.531000Z"}');
    expect(text(jsonSerializer.encode(new Date('2024-01-01T12:00:00Z')))).toBe('"2024-01-01T12:00:00Z"');
  });

  it("writes kombu>=5.3's tagged datetime when asked, and decodes it back to a Date", () => {
    const tagged = createJsonSerializer({ dates: 'tagged' });
    const date = new Date('2024-01-01T12:00:00.531Z');
    const encoded = tagged.encode([date]);
    expect(JSON.parse(text(encoded))).toEqual([
      { __type__: 'datetime', __value__: '2024-01-01T12:00:00.531000+00:00' },
    ]);
    expect(jsonSerializer.decode(encoded)).toEqual([date]);
  });

  it('writes bytes as kombu>=5.3 tags: utf-8 text as bytes, anything else as base64', () => {
    const encoded = JSON.parse(
      text(jsonSerializer.encode([Buffer.from('plain'), new Uint8Array([0, 255]), new Uint8Array([104, 105]).buffer])),
    );
    expect(encoded).toEqual([
      { __type__: 'bytes', __value__: 'plain' },
      { __type__: 'base64', __value__: 'AP8=' },
      { __type__: 'bytes', __value__: 'hi' },
    ]);
    expect(jsonSerializer.decode(bytesOf(JSON.stringify(encoded)))).toEqual([
      new Uint8Array(Buffer.from('plain')),
      new Uint8Array([0, 255]),
      new Uint8Array([104, 105]),
    ]);
  });

  it('decodes every kombu>=5.3 tag', () => {
    const wire = JSON.stringify([
      { __type__: 'datetime', __value__: '2024-01-01T12:00:00.531029+00:00' },
      { __type__: 'datetime', __value__: '2024-01-01T12:00:00' },
      { __type__: 'date', __value__: '2024-01-02' },
      { __type__: 'time', __value__: '13:14:15.000016' },
      { __type__: 'decimal', __value__: '12.50' },
      { __type__: 'uuid', __value__: { hex: '6f1c0e5e1d2b4c3d9e4f5a6b7c8d9e0f', version: 4 } },
      { __type__: 'bytes', __value__: 'plain text' },
      { __type__: 'base64', __value__: 'AP8Q' },
      { __type__: 'future-type', __value__: 1 },
    ]);
    expect(jsonSerializer.decode(bytesOf(wire))).toEqual([
      new Date('2024-01-01T12:00:00.531Z'),
      new Date('2024-01-01T12:00:00Z'),
      '2024-01-02',
      '13:14:15.000016',
      '12.50',
      '6f1c0e5e-1d2b-4c3d-9e4f-5a6b7c8d9e0f',
      new Uint8Array(Buffer.from('plain text')),
      new Uint8Array([0, 255, 16]),
      { __type__: 'future-type', __value__: 1 },
    ]);
  });

  it('leaves user objects that merely have a __type__ key alone', () => {
    const value = { __type__: 'x', __value__: 1, other: 2 };
    expect(jsonSerializer.decode(jsonSerializer.encode(value))).toEqual(value);
  });

  it('builds tags for Python types that JS lacks', () => {
    const encoded = JSON.parse(
      text(
        jsonSerializer.encode([
          tagDecimal('12.50'),
          tagUuid('6F1C0E5E-1D2B-4C3D-9E4F-5A6B7C8D9E0F'),
          tagDate('2024-01-02'),
          tagTime('13:14:15'),
        ]),
      ),
    );
    expect(encoded).toEqual([
      { __type__: 'decimal', __value__: '12.50' },
      { __type__: 'uuid', __value__: { hex: '6f1c0e5e1d2b4c3d9e4f5a6b7c8d9e0f', version: 4 } },
      { __type__: 'date', __value__: '2024-01-02' },
      { __type__: 'time', __value__: '13:14:15' },
    ]);
  });

  it("accepts Python json's bare NaN and Infinity outside strings only", () => {
    const wire = '{"a": NaN, "b": [Infinity, -Infinity], "s": "NaN Infinity \\" NaN"}';
    expect(jsonSerializer.decode(bytesOf(wire))).toEqual({
      a: Number.NaN,
      b: [Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY],
      s: 'NaN Infinity " NaN',
    });
  });

  it('follows JSON for undefined and non-finite numbers', () => {
    expect(text(jsonSerializer.encode({ a: undefined, b: [undefined, Number.NaN] }))).toBe('{"b":[null,null]}');
    expect(text(jsonSerializer.encode(undefined))).toBe('null');
  });

  it.each([
    ['a function', { f: () => 1 }],
    ['a BigInt', { n: 10n }],
    ['a symbol', [Symbol('s')]],
    ['a Map', { m: new Map() }],
    ['a Set', [new Set([1])]],
    ['a Float64Array', [new Float64Array(2)]],
    ['an invalid Date', [new Date(Number.NaN)]],
  ])('refuses %s with TQ_ENCODE', (_label, value) => {
    expectTqError(() => jsonSerializer.encode(value), ErrorCodes.ENCODE);
  });

  it('refuses cycles with TQ_ENCODE', () => {
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    expectTqError(() => jsonSerializer.encode(cyclic), ErrorCodes.ENCODE);
  });

  it('reports invalid JSON, invalid UTF-8 and bad tag values as TQ_DECODE', () => {
    expectTqError(() => jsonSerializer.decode(bytesOf('[1, 2')), ErrorCodes.DECODE);
    expectTqError(() => jsonSerializer.decode(bytesOf('{"a": NaN')), ErrorCodes.DECODE);
    expectTqError(() => jsonSerializer.decode(new Uint8Array([0x22, 0xff, 0x22])), ErrorCodes.DECODE);
    expectTqError(
      () => jsonSerializer.decode(bytesOf('{"__type__": "datetime", "__value__": "yesterday"}')),
      ErrorCodes.DECODE,
    );
    expectTqError(() => jsonSerializer.decode(bytesOf('{"__type__": "base64", "__value__": "!!"}')), ErrorCodes.DECODE);
    expectTqError(
      () => jsonSerializer.decode(bytesOf('{"__type__": "uuid", "__value__": {"hex": "zz"}}')),
      ErrorCodes.DECODE,
    );
  });
});
