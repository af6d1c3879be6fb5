import { type BeatSchedule, ErrorCodes, TqError } from '@tq/core';
import { Cron } from 'croner';
import { normalizeSchedule } from './schedule.js';

/** A schedule ready to answer "when is the next run after this one?". */
export interface CompiledSchedule {
  /** The first run time (epoch ms) strictly after `lastRunMs`; Infinity when the schedule never runs again. */
  nextRunAfter(lastRunMs: number): number;
  /** Stable text for logs and for noticing that an entry's schedule changed. */
  readonly description: string;
}

/** Validates a schedule and compiles it; a bad one is TQ_INVALID_CONFIG naming the entry. */
export function compileSchedule(schedule: BeatSchedule, entryName: string): CompiledSchedule {
  const fail = (why: string, cause?: unknown): never => {
    throw new TqError(ErrorCodes.INVALID_CONFIG, `beat entry '${entryName}': ${why}`, { cause, details: { entry: entryName } });
  };
  if (schedule === null || (typeof schedule !== 'number' && typeof schedule !== 'object')) {
    return fail('schedule must be seconds, every(seconds) or crontab(...)');
  }
  const normalized = normalizeSchedule(schedule);
  if ('every' in normalized) {
    const seconds = normalized.every;
    if (!(typeof seconds === 'number' && Number.isFinite(seconds) && seconds > 0)) fail(`every must be a positive number of seconds, got ${String(seconds)}`);
    const periodMs = seconds * 1000;
    return { nextRunAfter: (lastRunMs) => lastRunMs + periodMs, description: `every ${seconds}s` };
  }
  if (!('cron' in normalized) || typeof normalized.cron !== 'string') return fail('schedule must be seconds, every(seconds) or crontab(...)');
  const timezone = normalized.timezone ?? 'UTC';
  if (!isTimezone(timezone)) fail(`unknown timezone '${timezone}' (use an IANA name such as Europe/Paris)`);
  let cron: Cron;
  try {
    // paused: croner is used only for its calendar arithmetic; beat owns the timer.
    cron = new Cron(normalized.cron, { paused: true, timezone, mode: '5-or-6-parts', domAndDow: normalized.domAndDow === true });
  } catch (error) {
    return fail(`invalid cron expression '${normalized.cron}': ${(error as Error).message}`, error);
  }
  return {
    nextRunAfter: (lastRunMs) => cron.nextRun(new Date(lastRunMs))?.getTime() ?? Number.POSITIVE_INFINITY,
    description: `cron '${normalized.cron}' ${timezone}${normalized.domAndDow ? ' (day of month and week)' : ''}`,
  };
}

function isTimezone(name: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: name });
    return true;
  } catch {
    return false;
  }
}
