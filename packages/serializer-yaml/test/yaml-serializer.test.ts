import { ErrorCodes, TqError } from '@tq/core';
import { createYamlSerializer, yamlSerializer } from '@tq/serializer-yaml';
import { describe, expect, test } from 'vitest';

const text = (value: unknown) => Buffer.from(yamlSerializer.encode(value)).toString('utf8');
const read = (source: string) => yamlSerializer.decode(Buffer.from(source, 'utf8'));
const roundTrip = (value: unknown) => yamlSerializer.decode(yamlSerializer.encode(value));

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (error) {
    expect(TqError.is(error)).toBe(true);
    return (error as TqError).code;
  }
  return undefined;
}

describe('yaml serializer: identity', () => {
  test('names itself as kombu does', () => {
    expect(yamlSerializer.name).toBe('yaml');
    expect(yamlSerializer.contentType).toBe('application/x-yaml');
    expect(yamlSerializer.contentEncoding).toBe('utf-8');
    expect(createYamlSerializer()).not.toBe(yamlSerializer);
  });
});

describe('yaml serializer: PyYAML’s plain scalars', () => {
  test.each([
    ['yes', true],
    ['On', true],
    ['NO', false],
    ['off', false],
    ['y', 'y'],
    ['n', 'n'],
    ['~', null],
    ['', null],
    ['Null', null],
    ['0777', 511],
    ['0x1F', 31],
    ['0b101', 5],
    ['1_000', 1000],
    ['1:20', 80],
    ['-1:20', -80],
    ['08', '08'],
    ['1e3', '1e3'],
    ['1.0e+3', 1000],
    ['1.5', 1.5],
    ['.5', 0.5],
    ['1.', 1],
    ['-.inf', Number.NEGATIVE_INFINITY],
    ['0o7', '0o7'],
    ['1180591620717411303424', 2n ** 70n],
    ['-9007199254740993', -(2n ** 53n) - 1n],
    ['9007199254740992', 2 ** 53],
  ])('%s reads as PyYAML reads it', (source, expected) => {
    expect(read(`value: ${source}\n`)).toEqual({ value: expected });
  });

  test('.nan reads as NaN', () => {
    expect(Number.isNaN((read('v: .nan\n') as { v: number }).v)).toBe(true);
  });

  test('timestamps read as Dates; without a zone they are UTC, as Celery treats naive times', () => {
    expect(
      read(
        'a: 2024-01-02 03:04:05.678000+00:00\nb: 2024-01-02 03:04:05\nc: 2024-01-02\nd: 2024-01-02T05:04:05+02:00\n',
      ),
    ).toEqual({
      a: new Date('2024-01-02T03:04:05.678Z'),
      b: new Date('2024-01-02T03:04:05Z'),
      c: new Date('2024-01-02T00:00:00Z'),
      d: new Date('2024-01-02T03:04:05Z'),
    });
  });

  test('strings PyYAML would read as something else are quoted when written', () => {
    const tricky = [
      'yes',
      'on',
      'true',
      '~',
      'null',
      '',
      '0777',
      '1_000',
      '1:20',
      '1.5',
      '.inf',
      '2024-01-02',
      '=',
      '<<',
      '+1',
    ];
    for (const value of tricky) expect(text(value)).toMatch(/^["']/);
    expect(roundTrip(tricky)).toEqual(tricky);
  });

  test('strings PyYAML reads as strings are written plain', () => {
    expect(text(['y', 'n', '08', '1e3', 'hello world'])).toBe('- y\n- n\n- 08\n- 1e3\n- hello world\n');
  });

  test('tabs, line breaks and characters PyYAML cannot read raw travel as escapes', () => {
    const values = ['tab\there', 'a\nb', '\u2028', '\u0085', '\u0000', '\ufeffbom'];
    for (const value of values) expect(text(value)).toMatch(/^"/);
    expect(roundTrip(values)).toEqual(values);
  });
});

describe('yaml serializer: writing', () => {
  test('integers as ints (BigInt too), other numbers as floats PyYAML recognises', () => {
    expect(text([1732406400123, 2n ** 70n, 1.5, 1e21, 1e-7, 2 ** 60, Number.NaN, Number.POSITIVE_INFINITY, -0.5])).toBe(
      '- 1732406400123\n- 1180591620717411303424\n- 1.5\n- 1.0e+21\n- 1.0e-7\n- 1152921504606847000.0\n- .nan\n- .inf\n- -0.5\n',
    );
  });

  test('bytes as !!binary (exactly the view’s bytes), Dates as ISO-8601 UTC, Sets as !!set', () => {
    const view = new Uint8Array([9, 0, 255, 9]).subarray(1, 3);
    expect(text({ b: view, d: new Date('2024-01-02T03:04:05.678Z') })).toBe(
      'b: !!binary "AP8="\nd: 2024-01-02T03:04:05.678Z\n',
    );
    expect(roundTrip({ s: new Set([1, 'a']) })).toEqual({ s: new Set([1, 'a']) });
  });

  test('bytes come back as plain Uint8Arrays', () => {
    const decoded = roundTrip(new Uint8Array([1, 2, 3])) as Uint8Array;
    expect(decoded).toEqual(new Uint8Array([1, 2, 3]));
    expect(Buffer.isBuffer(decoded)).toBe(false);
  });

  test('undefined follows JSON; toJSON is honoured; a Map is a mapping', () => {
    class Money {
      constructor(readonly cents: number) {}
      toJSON() {
        return { amount: this.cents / 100 };
      }
    }
    expect(
      roundTrip({ keep: 1, gone: undefined, list: [undefined], money: new Money(150), map: new Map([['k', 1]]) }),
    ).toEqual({
      keep: 1,
      list: [null],
      money: { amount: 1.5 },
      map: { k: 1 },
    });
    expect(roundTrip(undefined)).toBe(null);
  });

  test('a shared object is written out twice, not as an anchor', () => {
    const shared = { a: 1 };
    expect(text([shared, shared])).toBe('- a: 1\n- a: 1\n');
  });

  test('functions and symbols at the top cannot be encoded: TQ_ENCODE', () => {
    expect(codeOf(() => yamlSerializer.encode(() => 1))).toBe(ErrorCodes.ENCODE);
    expect(codeOf(() => yamlSerializer.encode(Symbol('s')))).toBe(ErrorCodes.ENCODE);
  });
});

describe('yaml serializer: reading what PyYAML may send', () => {
  test('anchors and aliases (PyYAML writes them for repeated objects) and merge keys', () => {
    expect(read('- &id001\n  a: 1\n- *id001\n')).toEqual([{ a: 1 }, { a: 1 }]);
    expect(read('base: &b {x: 1, y: 2}\nderived:\n  <<: *b\n  y: 3\n')).toEqual({
      base: { x: 1, y: 2 },
      derived: { x: 1, y: 3 },
    });
  });

  test('duplicate keys keep the last value, as PyYAML does', () => {
    expect(read('a: 1\na: 2\n')).toEqual({ a: 2 });
  });

  test('non-ASCII escapes PyYAML writes by default (allow_unicode=False)', () => {
    expect(read('"h\\xE9llo \\u2713 \\L"\n')).toBe('héllo ✓ \u2028');
  });
});

describe('yaml serializer: bad input', () => {
  test.each([
    ['empty input', Buffer.alloc(0)],
    ['only whitespace', Buffer.from('  \n\n')],
    ['a body cut short (no final line break, which every YAML emitter writes)', Buffer.from('- 1\n- hello wor')],
    ['invalid UTF-8', Buffer.from([0x2d, 0x20, 0xff, 0xfe, 0x0a])],
    ['two documents', Buffer.from('a: 1\n---\nb: 2\n')],
    ['an unterminated flow sequence', Buffer.from('[1, 2\n')],
    ['bad indentation', Buffer.from('a:\n  - 1\n - 2\n')],
    ['a Python object tag', Buffer.from('!!python/object:os.system {}\n')],
    [
      'an alias bomb',
      Buffer.from(
        `a: &a [x, x, x, x, x, x, x, x, x, x]\n${Array.from(
          { length: 12 },
          (_, i) =>
            `l${i}: &l${i} [${Array(10)
              .fill(i === 0 ? '*a' : `*l${i - 1}`)
              .join(', ')}]`,
        ).join('\n')}\n`,
      ),
    ],
    ['broken base64 in !!binary', Buffer.from('!!binary "not base64!"\n')],
    ['an undefined alias', Buffer.from('a: *nowhere\n')],
  ])('%s -> TQ_DECODE', (_name, bytes) => {
    expect(codeOf(() => yamlSerializer.decode(bytes))).toBe(ErrorCodes.DECODE);
  });

  test('random garbage never crashes: it decodes to something or throws TQ_DECODE', () => {
    let seed = 7;
    const random = () => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed;
    };
    const alphabet = 'ab: -[]{}&*!|>\'"#%@`\n\t 01.~';
    for (let i = 0; i < 1000; i++) {
      const source = `${Array.from({ length: 1 + (random() % 30) }, () => alphabet[random() % alphabet.length]).join('')}\n`;
      try {
        read(source);
      } catch (error) {
        expect(TqError.is(error, ErrorCodes.DECODE)).toBe(true);
      }
    }
  });
});
