import { AssertionError } from 'node:assert';
import type { Runner } from '../runner.js';
import { format } from './timing.js';

/**
 * A gate decides from the capabilities manifest alone whether a case applies. `label` names the capability in
 * the case's title, so every report shows what gates what.
 */
export interface Gate<C> {
  label: string;
  /** Why the case does not apply, or undefined when it does. */
  skipReason(capabilities: C): string | undefined;
}

type Flags<C> = { [K in keyof C]: C[K] extends boolean ? K : never }[keyof C] & string;

/** Runs only when `capabilities[flag]` is true. */
export function needs<C>(flag: Flags<C>): Gate<C> {
  return {
    label: flag,
    skipReason: (c) => (c[flag] === true ? undefined : `capabilities.${flag} is false`),
  };
}

/** Runs only when `capabilities[flag]` is false: checks that an absent feature is refused, not silently ignored. */
export function lacks<C>(flag: Flags<C>): Gate<C> {
  return {
    label: `!${flag}`,
    skipReason: (c) => (c[flag] === false ? undefined : `capabilities.${flag} is true (this checks the refusal when it is false)`),
  };
}

export function allOf<C>(...gates: Gate<C>[]): Gate<C> {
  return {
    label: gates.map((gate) => gate.label).join(' & '),
    skipReason: (c) => gates.map((gate) => gate.skipReason(c)).find((reason) => reason !== undefined),
  };
}

export function gate<C>(label: string, skipReason: (capabilities: C) => string | undefined): Gate<C> {
  return { label, skipReason };
}

export interface CaseSpec<Ctx, C> {
  name: string;
  gate?: Gate<C>;
  /** Base timeout for the runner, before timeScale (default 60 s). */
  timeoutMs?: number;
  run: (ctx: Ctx) => Promise<void>;
}

export interface Fixture {
  /** Releases what the case created; returns the problems met (reported only when the case itself passed). */
  cleanup(): Promise<unknown[]>;
}

/**
 * Registers cases with the caller's runner: each one builds a fresh fixture, runs, and always cleans up. Cases a
 * gate rules out are registered as skipped with the reason in their title.
 */
export class CaseRegistry<Ctx extends Fixture, C> {
  readonly #runner: Runner;
  readonly #capabilities: C;
  readonly #fixture: () => Ctx;
  readonly #scale: number;

  constructor(runner: Runner, capabilities: C, fixture: () => Ctx, scale: number) {
    this.#runner = runner;
    this.#capabilities = capabilities;
    this.#fixture = fixture;
    this.#scale = scale;
  }

  group(title: string, body: () => void): void {
    this.#runner.describe(title, body);
  }

  add(spec: CaseSpec<Ctx, C>): void {
    const title = spec.gate ? `${spec.name} [${spec.gate.label}]` : spec.name;
    const reason = spec.gate?.skipReason(this.#capabilities);
    if (reason !== undefined) {
      registerSkipped(this.#runner, `${title} (skipped: ${reason})`);
      return;
    }
    const timeout = Math.round((spec.timeoutMs ?? 60_000) * this.#scale);
    this.#runner.test(title, () => runCase(this.#fixture, spec.run), timeout);
  }
}

export function registerSkipped(runner: Runner, title: string): void {
  if (runner.skip) runner.skip(title, () => {});
  else runner.test(`SKIPPED ${title}`, () => {});
}

async function runCase<Ctx extends Fixture>(fixture: () => Ctx, run: (ctx: Ctx) => Promise<void>): Promise<void> {
  const ctx = fixture();
  let failure: { error: unknown } | undefined;
  try {
    await run(ctx);
  } catch (error) {
    failure = { error };
  }
  const problems = await ctx.cleanup();
  if (failure) throw failure.error;
  if (problems.length > 0) {
    throw new AssertionError({
      message: `the case passed but cleaning up failed (deleteQueue/close must work):\n${problems.map((p) => `  - ${format(p)}`).join('\n')}`,
    });
  }
}
