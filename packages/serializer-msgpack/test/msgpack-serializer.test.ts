import { ErrorCodes, TqError } from '@tq/core';
import { createMsgpackSerializer, msgpackSerializer } from '@tq/serializer-msgpack';
import { describe, expect, test } from 'vitest';

const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (error) {
    expect(TqError.is(error)).toBe(true);
    return (error as TqError).code;
  }
  return undefined;
}

describe('msgpack serializer: identity', () => {
  test('names itself as kombu does', () => {
    expect(msgpackSerializer.name).toBe('msgpack');
    expect(msgpackSerializer.contentType).toBe('application/x-msgpack');
    expect(msgpackSerializer.contentEncoding).toBe('binary');
    expect(createMsgpackSerializer()).not.toBe(msgpackSerializer);
  });
});

describe('msgpack serializer: integers', () => {
  test('integers beyond 32 bits are written as msgpack integers, never floats', () => {
    // Python's packb(1732406400123) is cf 00 00 01 93 5b 77 d4 7b (uint64); we write the int64 form, which Python
    // reads as the same int. A float64 (cb ...) would reach Python as 1732406400123.0.
    expect(hex(msgpackSerializer.encode(1732406400123))).toBe('d3000001935b77d47b');
    expect(hex(msgpackSerializer.encode(-(2 ** 40)))).toBe('d3ffffff0000000000');
    expect(hex(msgpackSerializer.encode(Number.MAX_SAFE_INTEGER))).toBe('d3001fffffffffffff');
  });

  test('small integers use the same compact forms as Python', () => {
    expect(hex(msgpackSerializer.encode(5))).toBe('05');
    expect(hex(msgpackSerializer.encode(-5))).toBe('fb');
    expect(hex(msgpackSerializer.encode(200))).toBe('ccc8');
    expect(hex(msgpackSerializer.encode(70000))).toBe('ce00011170');
    expect(hex(msgpackSerializer.encode(-70000))).toBe('d2fffeee90');
  });

  test('integer-valued numbers beyond ±2^53 are floats in JS and stay floats on the wire', () => {
    expect(hex(msgpackSerializer.encode(2 ** 60)).startsWith('cb')).toBe(true);
    expect(hex(msgpackSerializer.encode(2 ** 53))).toBe('d30020000000000000');
    expect(hex(msgpackSerializer.encode(1.5))).toBe('cb3ff8000000000000');
  });

  test('BigInt is written as a 64-bit integer and read back as a number when it is safe, BigInt when not', () => {
    expect(msgpackSerializer.decode(msgpackSerializer.encode(2n ** 60n))).toBe(2n ** 60n);
    expect(msgpackSerializer.decode(msgpackSerializer.encode(2n ** 64n - 1n))).toBe(2n ** 64n - 1n);
    expect(msgpackSerializer.decode(msgpackSerializer.encode(-(2n ** 63n)))).toBe(-(2n ** 63n));
    expect(msgpackSerializer.decode(msgpackSerializer.encode(12n))).toBe(12);
  });

  test('a BigInt beyond 64 bits cannot travel (Python packb refuses it too): TQ_ENCODE', () => {
    expect(codeOf(() => msgpackSerializer.encode(2n ** 64n))).toBe(ErrorCodes.ENCODE);
    expect(codeOf(() => msgpackSerializer.encode({ x: [-(2n ** 63n) - 1n] }))).toBe(ErrorCodes.ENCODE);
  });

  test('uint64/int64 on the wire decode to numbers within ±2^53 and BigInt beyond', () => {
    expect(msgpackSerializer.decode(Buffer.from('cf000001935b77d47b', 'hex'))).toBe(1732406400123);
    expect(msgpackSerializer.decode(Buffer.from('cf001fffffffffffff', 'hex'))).toBe(Number.MAX_SAFE_INTEGER);
    expect(msgpackSerializer.decode(Buffer.from('cf0020000000000001', 'hex'))).toBe(2n ** 53n + 1n);
    expect(msgpackSerializer.decode(Buffer.from('d3ffe0000000000001', 'hex'))).toBe(Number.MIN_SAFE_INTEGER);
    expect(msgpackSerializer.decode(Buffer.from('d38000000000000000', 'hex'))).toBe(-(2n ** 63n));
  });
});

describe('msgpack serializer: other types', () => {
  test('maps are written like Python writes dicts (fixmap), strings as str, bytes as bin', () => {
    expect(hex(msgpackSerializer.encode({ a: 1 }))).toBe('81a16101');
    expect(hex(msgpackSerializer.encode('é'))).toBe('a2c3a9');
    expect(hex(msgpackSerializer.encode(new Uint8Array([1, 2])))).toBe('c4020102');
  });

  test('bytes written from a view are exactly the view, and come back as a plain Uint8Array that owns its memory', () => {
    const backing = new Uint8Array([9, 9, 1, 2, 3, 9]);
    const encoded = msgpackSerializer.encode({ data: backing.subarray(2, 5) });
    const input = Buffer.from(encoded);
    const decoded = msgpackSerializer.decode(input) as { data: Uint8Array };
    expect(decoded.data).toEqual(new Uint8Array([1, 2, 3]));
    expect(Buffer.isBuffer(decoded.data)).toBe(false);
    input.fill(0);
    expect(decoded.data).toEqual(new Uint8Array([1, 2, 3]));
  });

  test('decoding leaves the caller’s bytes untouched', () => {
    const input = msgpackSerializer.encode([1, 'two']);
    const before = Object.keys(input);
    msgpackSerializer.decode(input);
    expect(Object.keys(input)).toEqual(before);
    expect(Object.hasOwn(input, 'dataView')).toBe(false);
  });

  test('Dates are written as the ISO string @tq/core’s JSON serializer writes (kombu cannot pack datetimes)', () => {
    const date = new Date('2024-01-01T12:00:00.531Z');
    expect(msgpackSerializer.decode(msgpackSerializer.encode({ when: date }))).toEqual({
      when: '2024-01-01T12:00:00.531000Z',
    });
    expect(codeOf(() => msgpackSerializer.encode(new Date(Number.NaN)))).toBe(ErrorCodes.ENCODE);
  });

  test('the msgpack timestamp extension (Python packb(datetime=True)) is read as a Date', () => {
    // What /usr/bin/python3 -c "msgpack.packb(datetime(2024,1,1,12,tzinfo=timezone.utc), datetime=True)" writes.
    const bytes = Buffer.from('d6ff6592a940', 'hex');
    expect(msgpackSerializer.decode(bytes)).toEqual(new Date('2024-01-01T12:00:00Z'));
  });

  test('undefined follows JSON (dropped from objects, null in arrays and at the top); functions and symbols are refused', () => {
    const value = { keep: 1, gone: undefined, list: [undefined, 2] };
    expect(msgpackSerializer.decode(msgpackSerializer.encode(value))).toEqual({ keep: 1, list: [null, 2] });
    expect(msgpackSerializer.decode(msgpackSerializer.encode(undefined))).toBe(null);
    expect(codeOf(() => msgpackSerializer.encode({ fn: () => 1 }))).toBe(ErrorCodes.ENCODE);
    expect(codeOf(() => msgpackSerializer.encode([Symbol('s')]))).toBe(ErrorCodes.ENCODE);
    expect(codeOf(() => msgpackSerializer.encode(new Map([['k', () => 1]])))).toBe(ErrorCodes.ENCODE);
  });

  test('toJSON is honoured and class instances become plain maps', () => {
    class Money {
      constructor(readonly cents: number) {}
      toJSON() {
        return { amount: this.cents / 100 };
      }
    }
    class Point {
      constructor(
        readonly x: number,
        readonly y: number,
      ) {}
    }
    const decoded = msgpackSerializer.decode(msgpackSerializer.encode([new Money(1999), new Point(1, 2)]));
    expect(decoded).toEqual([{ amount: 19.99 }, { x: 1, y: 2 }]);
  });

  test('a Map is a map, a Set is a list, an ArrayBuffer is bytes; other typed arrays are refused', () => {
    const decoded = msgpackSerializer.decode(
      msgpackSerializer.encode({ m: new Map([['k', 2 ** 40]]), s: new Set([1, 2]), b: new Uint8Array([7]).buffer }),
    );
    expect(decoded).toEqual({ m: { k: 2 ** 40 }, s: [1, 2], b: new Uint8Array([7]) });
    expect(codeOf(() => msgpackSerializer.encode(new Float32Array(2)))).toBe(ErrorCodes.ENCODE);
  });

  test('values are not changed by encoding (wide integers are converted on a copy)', () => {
    const value = { ts: 1732406400123, nested: [{ ts: 2 ** 40 }] };
    msgpackSerializer.encode(value);
    expect(value).toEqual({ ts: 1732406400123, nested: [{ ts: 2 ** 40 }] });
  });

  test('cyclic or absurdly deep values are refused with TQ_ENCODE, not a stack overflow', () => {
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    expect(codeOf(() => msgpackSerializer.encode(cyclic))).toBe(ErrorCodes.ENCODE);
    let deep: unknown = 1;
    for (let i = 0; i < 600; i++) deep = [deep];
    expect(codeOf(() => msgpackSerializer.encode(deep))).toBe(ErrorCodes.ENCODE);
    expect(codeOf(() => msgpackSerializer.encode(() => 1))).toBe(ErrorCodes.ENCODE);
  });
});

describe('msgpack serializer: bad input', () => {
  test.each([
    ['empty', ''],
    ['the never-used byte 0xc1', 'c1'],
    ['0xc1 inside a list', '9201c1'],
    ['0xc1 as a map value', '81a161c1'],
    ['a truncated array', '9301'],
    ['a truncated string', 'a5616263'],
    ['a truncated uint64', 'cf0000'],
    ['trailing bytes after the value', '0102'],
    ['an unknown extension type', 'd40500'],
    ['a bin length beyond the data', 'c4ff00'],
  ])('%s -> TQ_DECODE', (_name, bytes) => {
    expect(codeOf(() => msgpackSerializer.decode(Buffer.from(bytes, 'hex')))).toBe(ErrorCodes.DECODE);
  });

  test('random garbage never crashes: it decodes to something or throws TQ_DECODE', () => {
    let seed = 42;
    const random = () => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed;
    };
    let refused = 0;
    for (let i = 0; i < 2000; i++) {
      const bytes = new Uint8Array(1 + (random() % 40)).map(() => random() & 0xff);
      try {
        msgpackSerializer.decode(bytes);
      } catch (error) {
        expect(TqError.is(error, ErrorCodes.DECODE)).toBe(true);
        refused++;
      }
    }
    expect(refused).toBeGreaterThan(0);
  });

  test('a __proto__ key cannot pollute prototypes', () => {
    // {"__proto__": {"polluted": 1}}
    const bytes = Buffer.concat([
      Buffer.from('81a9', 'hex'),
      Buffer.from('__proto__'),
      Buffer.from('81a8', 'hex'),
      Buffer.from('polluted'),
      Buffer.from('01', 'hex'),
    ]);
    msgpackSerializer.decode(bytes);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  test('non-bytes input is refused with TQ_DECODE', () => {
    expect(codeOf(() => msgpackSerializer.decode('82' as unknown as Uint8Array))).toBe(ErrorCodes.DECODE);
  });
});
