import { describe, expect, it } from 'vitest';
import { compileSchedule, crontab, every } from '../src/index.js';

const at = (iso: string) => Date.parse(iso);
const iso = (ms: number) => new Date(ms).toISOString();

describe('every()', () => {
  it('runs one period after the last run', () => {
    const schedule = compileSchedule(every(30), 'e');
    expect(iso(schedule.nextRunAfter(at('2026-11-24T10:00:00Z')))).toBe('2026-11-24T10:00:30.000Z');
    expect(iso(compileSchedule(every(0.5), 'e').nextRunAfter(at('2026-11-24T10:00:00Z')))).toBe('2026-11-24T10:00:00.500Z');
  });

  it('takes a bare number of seconds, as Celery does', () => {
    expect(iso(compileSchedule(90, 'e').nextRunAfter(at('2026-11-24T10:00:00Z')))).toBe('2026-11-24T10:01:30.000Z');
  });

  it('refuses zero, negative and non-numbers', () => {
    expect(() => every(0)).toThrow(expect.objectContaining({ code: 'TQ_INVALID_CONFIG' }));
    expect(() => compileSchedule({ every: -1 }, 'bad')).toThrow(/beat entry 'bad'/);
    expect(() => compileSchedule({ every: Number.NaN }, 'bad')).toThrow(expect.objectContaining({ code: 'TQ_INVALID_CONFIG' }));
  });
});

describe('crontab()', () => {
  it('builds a cron expression from Celery field names (defaults *)', () => {
    expect(crontab({ minute: 0, hour: '*/3' })).toEqual({ cron: '0 */3 * * *', domAndDow: true });
    expect(crontab({ minute: [0, 30], dayOfWeek: 'mon-fri', monthOfYear: '1,7', dayOfMonth: '1-7' }).cron).toBe('0,30 * 1-7 1,7 mon-fri');
  });

  it('runs at the next matching minute', () => {
    const schedule = compileSchedule(crontab({ minute: 15, hour: 9 }), 'c');
    expect(iso(schedule.nextRunAfter(at('2026-11-24T08:00:00Z')))).toBe('2026-11-24T09:15:00.000Z');
    // Strictly after the last run: a run at 09:15 is followed by tomorrow's.
    expect(iso(schedule.nextRunAfter(at('2026-11-24T09:15:00Z')))).toBe('2026-11-25T09:15:00.000Z');
  });

  it('takes weekday names and 0/7 for Sunday', () => {
    // 2026-11-28 is a Saturday.
    expect(iso(compileSchedule(crontab({ minute: 0, hour: 9, dayOfWeek: 'mon-fri' }), 'c').nextRunAfter(at('2026-11-28T00:00:00Z')))).toBe(
      '2026-11-30T09:00:00.000Z',
    );
    expect(iso(compileSchedule(crontab({ minute: 0, hour: 9, dayOfWeek: 7 }), 'c').nextRunAfter(at('2026-11-24T00:00:00Z')))).toBe(
      '2026-11-29T09:00:00.000Z',
    );
  });

  it('requires both day of month and day of week when both are given (Celery), either for a cron string', () => {
    // The first Monday in days 1-7 after Nov 24 is Dec 7.
    expect(iso(compileSchedule(crontab({ minute: 0, hour: 0, dayOfMonth: '1-7', dayOfWeek: 'mon' }), 'c').nextRunAfter(at('2026-11-24T00:00:00Z')))).toBe(
      '2026-12-07T00:00:00.000Z',
    );
    // Standard cron: day 1-7 OR a Monday, so Monday Nov 30 comes first.
    expect(iso(compileSchedule(crontab('0 0 1-7 * mon'), 'c').nextRunAfter(at('2026-11-24T00:00:00Z')))).toBe('2026-11-30T00:00:00.000Z');
  });

  it('runs in the given timezone, across a DST change', () => {
    const nineInNewYork = compileSchedule(crontab({ minute: 0, hour: 9, timezone: 'America/New_York' }), 'tz');
    expect(iso(nineInNewYork.nextRunAfter(at('2026-11-24T00:00:00Z')))).toBe('2026-11-24T14:00:00.000Z'); // EST, UTC-5
    expect(iso(nineInNewYork.nextRunAfter(at('2026-07-01T00:00:00Z')))).toBe('2026-07-01T13:00:00.000Z'); // EDT, UTC-4
    expect(iso(compileSchedule(crontab('30 8 * * *', 'Asia/Kolkata'), 'tz').nextRunAfter(at('2026-11-24T00:00:00Z')))).toBe('2026-11-24T03:00:00.000Z');
  });

  it('accepts cron strings with seconds (6 fields)', () => {
    expect(iso(compileSchedule({ cron: '*/10 * * * * *' }, 's').nextRunAfter(at('2026-11-24T00:00:01Z')))).toBe('2026-11-24T00:00:10.000Z');
  });

  it('refuses bad expressions and unknown timezones with a typed error naming the entry', () => {
    expect(() => compileSchedule(crontab({ minute: 61 }), 'nightly')).toThrow(
      expect.objectContaining({ code: 'TQ_INVALID_CONFIG', message: expect.stringContaining("beat entry 'nightly'") }),
    );
    expect(() => compileSchedule(crontab('* * *'), 'short')).toThrow(expect.objectContaining({ code: 'TQ_INVALID_CONFIG' }));
    expect(() => compileSchedule(crontab({ hour: 9, timezone: 'Mars/Olympus' }), 'tz')).toThrow(/unknown timezone 'Mars\/Olympus'/);
    expect(() => crontab({ minute: [] })).toThrow(expect.objectContaining({ code: 'TQ_INVALID_CONFIG' }));
  });
});
