import { describe, expect, it } from 'vitest';
import { formatIsoDateTime, parseIsoDateTime } from '../../src/serialization/index.js';

describe('formatIsoDateTime', () => {
  it("writes Python's isoformat of an aware UTC datetime (Celery eta/expires)", () => {
    expect(formatIsoDateTime(new Date('2026-11-24T00:04:20.149Z'))).toBe('2026-11-24T00:04:20.149000+00:00');
    expect(formatIsoDateTime(new Date('2026-11-24T00:04:20Z'))).toBe('2026-11-24T00:04:20+00:00');
  });

  it("writes kombu 5.2's JSON form with Z", () => {
    expect(formatIsoDateTime(new Date('2024-01-01T12:00:00.531Z'), 'kombu52')).toBe('2024-01-01T12:00:00.531000Z');
  });

  it('refuses an invalid Date', () => {
    expect(() => formatIsoDateTime(new Date(Number.NaN))).toThrow(RangeError);
  });
});

describe('parseIsoDateTime', () => {
  it.each([
    ['2026-11-24T00:04:20.149128+00:00', '2026-11-24T00:04:20.149Z'],
    ['2024-01-01T12:00:00.531029Z', '2024-01-01T12:00:00.531Z'],
    ['2024-01-01T12:00:00', '2024-01-01T12:00:00.000Z'],
    ['2024-01-01 12:00', '2024-01-01T12:00:00.000Z'],
    ['2024-01-01T14:30:00+02:30', '2024-01-01T12:00:00.000Z'],
    ['2024-01-01T10:00:00-0200', '2024-01-01T12:00:00.000Z'],
    ['2024-01-02', '2024-01-02T00:00:00.000Z'],
    ['2024-01-01T12:00:00.5+00:00', '2024-01-01T12:00:00.500Z'],
  ])('parses %s (naive = UTC)', (input, expected) => {
    expect(parseIsoDateTime(input)?.toISOString()).toBe(expected);
  });

  it.each(['', 'yesterday', '2024-13-01', '2024-02-30T00:00:00', '2024-01-01T25:00:00', '1700000000'])(
    'returns null for %j',
    (input) => {
      expect(parseIsoDateTime(input)).toBeNull();
    },
  );
});
