/** JSON-like values every Celery serializer must carry unchanged, grouped so a failure names its kind. */
export const SAMPLE_GROUPS: Record<string, unknown[]> = {
  'numbers, booleans and null': [
    null,
    true,
    false,
    0,
    1,
    -1,
    42,
    -(2 ** 31),
    2 ** 31,
    2 ** 32 + 1,
    2 ** 53 - 1,
    -(2 ** 53 - 1),
    0.5,
    -1.25,
    Math.PI,
    1e-7,
    1e21,
  ],
  'strings, including unicode and control characters': [
    'hello',
    'héllo wörld',
    '日本語のテキスト',
    'emoji 🎉 👍🏽 👨‍👩‍👧 (surrogate pairs, modifiers, zero-width joiners)',
    'עברית and العربية (right to left)',
    'nul \u0000 in the middle',
    'line\nbreak\ttab "quote" \\backslash\\ \r\n',
    'separators \u2028 \u2029 and BOM \ufeff',
    'x'.repeat(100_000),
  ],
  'empty values': ['', [], {}, [[]], { a: {} }, { '': '' }, [null], [''], { empty: [] }],
  'nested structures': [
    { a: { b: { c: [1, { d: [true, null, 'x'] }] } } },
    [1, 'two', null, true, 0.5, { three: [3] }, [[4]]],
    deepArray(64),
    deepObject(64),
    Object.fromEntries(Array.from({ length: 1000 }, (_, i) => [`key-${i}`, i])),
  ],
  'large arrays': [
    Array.from({ length: 100_000 }, (_, i) => i),
    Array.from({ length: 20_000 }, (_, i) => i * 0.25 - 1000),
    Array.from({ length: 10_000 }, (_, i) => ({ id: i, name: `item ${i}`, tags: ['a', 'b'], ok: i % 2 === 0 })),
  ],
  'Celery message bodies and results': [
    [[2, 3], {}, { callbacks: null, errbacks: null, chain: null, chord: null }],
    [
      [],
      { x: 1, y: 'two' },
      {
        callbacks: [{ task: 'tasks.cb', args: [], kwargs: {}, options: {}, subtask_type: null, immutable: false }],
        errbacks: null,
        chain: [],
        chord: null,
      },
    ],
    {
      status: 'FAILURE',
      result: { exc_type: 'ValueError', exc_message: ['bad'], exc_module: 'builtins' },
      traceback: 'Traceback (most recent call last):\n  ...\nValueError: bad\n',
      children: [],
      date_done: '2024-01-01T12:00:00.531000',
      task_id: '6f1c2b4e-0000-4000-8000-000000000001',
    },
  ],
};

function deepArray(depth: number): unknown {
  let value: unknown = 'bottom';
  for (let i = 0; i < depth; i++) value = [value];
  return value;
}

function deepObject(depth: number): unknown {
  let value: unknown = 'bottom';
  for (let i = 0; i < depth; i++) value = { level: i, next: value };
  return value;
}

/** Short description of a value for a failure message. */
export function describeSample(value: unknown): string {
  if (typeof value === 'string') return value.length > 40 ? `string of length ${value.length}` : JSON.stringify(value);
  if (Array.isArray(value)) return `array of length ${value.length}`;
  if (typeof value === 'bigint') return `${value}n`;
  if (value instanceof Uint8Array) return `${value.byteLength} bytes`;
  if (value instanceof Date) return `Date ${value.toISOString()}`;
  if (value && typeof value === 'object') {
    const text = JSON.stringify(value, (_key, v) => (typeof v === 'bigint' ? `${v}n` : v)) ?? String(value);
    return text.length > 60 ? `${text.slice(0, 60)}…` : text;
  }
  return String(value);
}
