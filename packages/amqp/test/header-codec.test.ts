import { describe, expect, test } from 'vitest';
import { decodeHeaderTable, encodeHeaderTable } from '../src/header-codec.js';

describe('headers as AMQP tables', () => {
  test('integers get explicit types py-amqp reads back the same (I for 32-bit, l beyond), fractions d', () => {
    expect(encodeHeaderTable({ retries: 0, big: 2 ** 40, neg: -129, ratio: 0.5, name: 'x', ok: true, none: null, skip: undefined })).toEqual({
      retries: { '!': 'int', value: 0 },
      big: { '!': 'long', value: 2 ** 40 },
      neg: { '!': 'int', value: -129 },
      ratio: { '!': 'double', value: 0.5 },
      name: 'x',
      ok: true,
      none: null,
    });
  });

  test('arrays and nested tables are converted throughout (Celery\'s timelimit, stamps)', () => {
    expect(encodeHeaderTable({ timelimit: [null, 30], stamps: { a: [1, 'b'] } })).toEqual({
      timelimit: [null, { '!': 'int', value: 30 }],
      stamps: { a: [{ '!': 'int', value: 1 }, 'b'] },
    });
  });

  test('decoding turns amqplib\'s tagged values and byte arrays into JSON values', () => {
    expect(
      decodeHeaderTable({
        when: { '!': 'timestamp', value: 1700000000 },
        price: { '!': 'decimal', value: { places: 2, digits: 1234 } },
        raw: Buffer.from('bytes'),
        deep: { list: [{ '!': 'timestamp', value: 1 }] },
      }),
    ).toEqual({ when: 1700000000, price: 12.34, raw: 'bytes', deep: { list: [1] } });
  });
});
