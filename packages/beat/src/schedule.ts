import { type BeatSchedule, ErrorCodes, TqError } from '@tq/core';

/** A crontab field as Celery takes it: `'*'`, a step (`'*\/15'`), `'1,3,5'`, `'mon-fri'`, a number, or a list of numbers. */
export type CrontabField = string | number | readonly number[];

/** Celery's `crontab(minute, hour, day_of_week, day_of_month, month_of_year)`, plus the timezone it runs in. */
export interface CrontabFields {
  minute?: CrontabField;
  hour?: CrontabField;
  /** 0 or 7 = Sunday, or names (`mon-fri`). */
  dayOfWeek?: CrontabField;
  dayOfMonth?: CrontabField;
  monthOfYear?: CrontabField;
  /** IANA name (`Europe/Paris`). Default UTC. */
  timezone?: string;
}

/** Run every `seconds` (Celery's `schedule: 30.0` / `timedelta`, BullMQ's `every`). */
export function every(seconds: number): { every: number } {
  if (!(Number.isFinite(seconds) && seconds > 0)) {
    throw new TqError(ErrorCodes.INVALID_CONFIG, `every() takes a positive number of seconds, got ${String(seconds)}`);
  }
  return { every: seconds };
}

/**
 * Celery's crontab. Fields default to `*`; as in Celery, when both `dayOfWeek` and `dayOfMonth` are given, a
 * day must match both. A cron string (`'0 9 * * mon-fri'`, standard cron rules) is accepted too.
 */
export function crontab(fields: CrontabFields | string = {}, timezone?: string): { cron: string; timezone?: string; domAndDow?: boolean } {
  if (typeof fields === 'string') return withTimezone({ cron: fields.trim() }, timezone);
  const cron = [fields.minute, fields.hour, fields.dayOfMonth, fields.monthOfYear, fields.dayOfWeek].map(cronField).join(' ');
  return withTimezone({ cron, domAndDow: true }, fields.timezone ?? timezone);
}

function withTimezone<T extends object>(schedule: T, timezone: string | undefined): T & { timezone?: string } {
  return timezone === undefined ? schedule : { ...schedule, timezone };
}

function cronField(field: CrontabField | undefined): string {
  if (field === undefined) return '*';
  if (typeof field === 'number') return String(field);
  if (typeof field === 'string') return field.replace(/\s+/g, '') || '*';
  if (field.length === 0) throw new TqError(ErrorCodes.INVALID_CONFIG, 'a crontab field given as a list must not be empty');
  return field.join(',');
}

/** Normalises the shorthand `schedule: 30` to `{ every: 30 }`. */
export function normalizeSchedule(schedule: BeatSchedule): Exclude<BeatSchedule, number> {
  return typeof schedule === 'number' ? { every: schedule } : schedule;
}
