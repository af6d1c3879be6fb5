import { parseArgs, type ParseArgsConfig } from 'node:util';
import { ErrorCodes, TqError } from '@tq/core';

/** Options every command takes: the app module and the URLs that override its config. */
export const COMMON_OPTIONS = {
  app: { type: 'string', short: 'A' },
  broker: { type: 'string', short: 'b' },
  'result-backend': { type: 'string' },
  loglevel: { type: 'string', short: 'l' },
  help: { type: 'boolean', short: 'h' },
} as const satisfies ParseArgsConfig['options'];

type OptionSpec = Record<string, { type: 'string' | 'boolean'; short?: string }>;

/** Parsed flags: booleans for boolean options, strings otherwise, absent when not given. */
export type ParsedValues<O extends OptionSpec> = { [K in keyof O]?: O[K]['type'] extends 'boolean' ? boolean : string };

export function parseCommand<O extends OptionSpec>(
  argv: string[],
  options: O,
): { values: ParsedValues<typeof COMMON_OPTIONS & O>; positionals: string[] } {
  try {
    const parsed = parseArgs({ args: argv, options: { ...COMMON_OPTIONS, ...options }, allowPositionals: true, strict: true });
    return parsed as unknown as { values: ParsedValues<typeof COMMON_OPTIONS & O>; positionals: string[] };
  } catch (error) {
    throw new TqError(ErrorCodes.INVALID_CONFIG, (error as Error).message.split('\n')[0]!, { cause: error });
  }
}

export function parseJsonOption(name: string, value: string | undefined, fallback: unknown): unknown {
  if (value === undefined) return fallback;
  try {
    return JSON.parse(value);
  } catch {
    throw new TqError(ErrorCodes.INVALID_CONFIG, `--${name} must be JSON, got: ${value}`);
  }
}

export function parseNumberOption(name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const number = Number(value);
  if (!Number.isFinite(number) || number < 0) throw new TqError(ErrorCodes.INVALID_CONFIG, `--${name} must be a non-negative number, got: ${value}`);
  return number;
}

export function printHelp(text: string): number {
  process.stdout.write(`${text}\n`);
  return 0;
}
