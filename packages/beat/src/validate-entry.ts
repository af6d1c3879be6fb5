import { type App, type ApplyOptions, type BeatEntry, ErrorCodes, TqError } from '@tq/core';
import { type CompiledSchedule, compileSchedule } from './next-run.js';

/** An entry checked once at start, so a typo fails the beat at once instead of at 3 a.m. */
export interface ValidEntry {
  readonly name: string;
  readonly task: string;
  readonly args: unknown[];
  readonly kwargs: Record<string, unknown>;
  readonly options: ApplyOptions;
  readonly schedule: CompiledSchedule;
}

type OptionCheck = (value: unknown, app: App) => string | undefined;

const isString: OptionCheck = (value) => (typeof value === 'string' && value !== '' ? undefined : 'a non-empty string');
const isBoolean: OptionCheck = (value) => (typeof value === 'boolean' ? undefined : 'true or false');
const isSeconds: OptionCheck = (value) => (typeof value === 'number' && Number.isFinite(value) && value >= 0 ? undefined : 'a number of seconds >= 0');
const isPlainObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/** The applyAsync options that make sense on every run of a periodic task (no task id, no absolute eta). */
const OPTION_CHECKS: Record<string, OptionCheck> = {
  queue: isString,
  routingKey: isString,
  exchange: isString,
  shadow: isString,
  priority: (value) => (Number.isInteger(value) && (value as number) >= 0 && (value as number) <= 255 ? undefined : 'an integer 0-255'),
  // A number is seconds from each send (Celery's beat entries use it so); a date would expire every later run.
  expires: isSeconds,
  countdown: isSeconds,
  timeLimit: isSeconds,
  softTimeLimit: isSeconds,
  ignoreResult: isBoolean,
  retry: isBoolean,
  retryPolicy: (value) => (isPlainObject(value) ? undefined : 'an object'),
  headers: (value) => (isPlainObject(value) ? undefined : 'an object'),
  serializer: (value, app) => (typeof value === 'string' && app.serializers.get(value) ? undefined : 'a registered serializer'),
  compression: (value, app) => (typeof value === 'string' && app.compressors.get(value) ? undefined : 'a registered compression'),
};

export function validateEntry(app: App, name: string, entry: BeatEntry): ValidEntry {
  const fail = (why: string): never => {
    throw new TqError(ErrorCodes.INVALID_CONFIG, `beat entry '${name}': ${why}`, { details: { entry: name } });
  };
  if (!isPlainObject(entry)) fail('must be an object { task, schedule, args?, kwargs?, options? }');
  if (typeof entry.task !== 'string' || entry.task === '') fail('task must be the task name');
  if (entry.args !== undefined && !Array.isArray(entry.args)) fail('args must be an array');
  if (entry.kwargs !== undefined && !isPlainObject(entry.kwargs)) fail('kwargs must be an object');
  if (entry.options !== undefined && !isPlainObject(entry.options)) fail('options must be an object');
  const options = (entry.options ?? {}) as Record<string, unknown>;
  for (const [key, value] of Object.entries(options)) {
    const check = OPTION_CHECKS[key];
    if (!check) fail(`options.${key} is not an option a periodic task takes (known: ${Object.keys(OPTION_CHECKS).join(', ')})`);
    const problem = value === undefined ? undefined : check!(value, app);
    if (problem) fail(`options.${key} must be ${problem}, got ${JSON.stringify(value)}`);
  }
  return {
    name,
    task: entry.task,
    args: entry.args ?? [],
    kwargs: entry.kwargs ?? {},
    options: options as ApplyOptions,
    schedule: compileSchedule(entry.schedule, name),
  };
}
