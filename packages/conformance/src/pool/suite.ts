import type { Pool } from '@tq/core';
import type { Runner } from '../runner.js';
import { CaseRegistry } from '../support/cases.js';
import { format, Timing } from '../support/timing.js';
import { registerErrorCases } from './cases-errors.js';
import { registerLimitCases } from './cases-limits.js';
import { registerRunCases } from './cases-run.js';
import { registerShutdownCases } from './cases-shutdown.js';
import { PoolCaseContext } from './context.js';
import type { PoolFeatures, PoolSuiteOptions } from './options.js';

export type PoolCases = CaseRegistry<PoolCaseContext, PoolFeatures>;

/**
 * Registers the Pool conformance cases: running jobs, concurrency, values and errors crossing to the worker as it
 * sees them in-process, time limits, lost children, warm and cold close, grow/shrink. Cases that need a pool to
 * terminate threads/processes or cross a boundary run only for pools that declare it.
 */
export function poolSuite(runner: Runner, options: PoolSuiteOptions): void {
  const timing = new Timing(options.timeScale);
  runner.describe(`pool conformance: ${options.name}`, () => {
    const probed = probeFeatures(options);
    if (typeof probed === 'string') {
      runner.test('features can be read to choose the cases', () => {
        throw new Error(probed);
      });
      return;
    }
    const cases: PoolCases = new CaseRegistry(runner, probed, () => new PoolCaseContext(options, probed, timing), timing.scale);
    cases.group('running jobs', () => registerRunCases(cases));
    cases.group('errors', () => registerErrorCases(cases));
    cases.group('time limits, lost children, results that cannot cross', () => registerLimitCases(cases));
    cases.group('close, grow and shrink', () => registerShutdownCases(cases));
  });
}

/** Features from the options, else from a probe pool (created, never started, closed right away). */
function probeFeatures(options: PoolSuiteOptions): PoolFeatures | string {
  const given = options.features ?? {};
  if (given.terminates !== undefined && given.isolated !== undefined && given.resizable !== undefined) return given as PoolFeatures;
  let probe: Pool | Promise<Pool>;
  try {
    probe = options.create({ app: options.app, concurrency: 1, appModule: options.appModule });
  } catch (error) {
    return `create() threw while the suite read the pool's features: ${format(error)}`;
  }
  if (typeof (probe as Promise<Pool>).then === 'function') {
    void (probe as Promise<Pool>).then((pool) => pool.close().catch(() => {}), () => {});
    return 'create() returns a Promise: pass options.features ({ terminates, isolated, resizable })';
  }
  const pool = probe as Pool & { terminates?: boolean; isolated?: boolean };
  void pool.close().catch(() => {});
  return {
    terminates: given.terminates ?? pool.terminates === true,
    isolated: given.isolated ?? pool.isolated === true,
    resizable: given.resizable ?? (typeof pool.grow === 'function' && typeof pool.shrink === 'function'),
  };
}
