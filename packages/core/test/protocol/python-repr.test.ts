import { describe, expect, it } from 'vitest';
import { pythonArgsRepr, pythonRepr } from '../../src/protocol/index.js';

describe('pythonRepr', () => {
  it.each([
    [null, 'None'],
    [undefined, 'None'],
    [true, 'True'],
    [false, 'False'],
    [42, '42'],
    [2.5, '2.5'],
    [1e-7, '1e-07'],
    [Number.NaN, 'nan'],
    [Number.NEGATIVE_INFINITY, '-inf'],
    [10n, '10'],
    ['plain', "'plain'"],
    ["it's", '"it\'s"'],
    ['both \' and "', "'both \\' and \"'"],
    ['tab\tnew\nline\\', "'tab\\tnew\\nline\\\\'"],
    ['\u0001', "'\\x01'"],
    ['héllo ☃ 𝄞', "'héllo ☃ 𝄞'"],
    [[1, 'a', null], "[1, 'a', None]"],
    [{ a: 1, b: [true] }, "{'a': 1, 'b': [True]}"],
    [new Uint8Array([104, 105, 0, 39]), "b'hi\\x00\\''"],
    [new Date('2024-01-01T12:00:00Z'), 'datetime.datetime(2024, 1, 1, 12, 0, tzinfo=datetime.timezone.utc)'],
    [
      new Date('2024-01-01T12:00:05.531Z'),
      'datetime.datetime(2024, 1, 1, 12, 0, 5, 531000, tzinfo=datetime.timezone.utc)',
    ],
  ])('renders case %# as %s', (value, expected) => {
    expect(pythonRepr(value)).toBe(expected);
  });

  it('renders args as a tuple', () => {
    expect(pythonArgsRepr([])).toBe('()');
    expect(pythonArgsRepr([1])).toBe('(1,)');
    expect(pythonArgsRepr([2, 2])).toBe('(2, 2)');
  });

  it('matches the argsrepr Celery wrote for the captured messages', () => {
    expect(pythonArgsRepr(['héllo wörld ☃ 𝄞', { ключ: 'значение' }])).toBe("('héllo wörld ☃ 𝄞', {'ключ': 'значение'})");
  });

  it('cuts long output at maxLength with ... and does not walk the rest', () => {
    const huge = Array.from({ length: 100_000 }, (_, i) => i);
    const text = pythonRepr(huge, 50);
    expect(text).toHaveLength(53);
    expect(text.endsWith('...')).toBe(true);
  });

  it('survives cycles', () => {
    const cyclic: Record<string, unknown> = { a: 1 };
    cyclic.self = cyclic;
    expect(pythonRepr(cyclic)).toBe("{'a': 1, 'self': ...}");
  });
});
