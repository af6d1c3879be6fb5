import type { ResultBackendCapabilities } from '@tq/core';
import type { ResultBackendSuiteOptions } from '../options.js';
import type { Runner } from '../runner.js';
import { CaseRegistry } from '../support/cases.js';
import { probeCapabilities } from '../support/probe.js';
import { Timing } from '../support/timing.js';
import { registerBackendBadInputCases } from './bad-input.js';
import { registerChordCases } from './chords.js';
import { BackendContext } from './context.js';
import { registerGroupCases } from './groups.js';
import { registerBackendLifecycleCases } from './lifecycle.js';
import { registerBackendManifestCases } from './manifest.js';
import { registerStoreGetCases } from './store-get.js';
import { registerTtlCases } from './ttl.js';
import { registerWaitForCases } from './wait-for.js';

/**
 * Registers the ResultBackend conformance cases with the caller's runner. Which cases run is decided by the
 * instance's capabilities manifest only; the others are registered as skipped, with the reason.
 */
export function resultBackendSuite(runner: Runner, options: ResultBackendSuiteOptions): void {
  const timing = new Timing(options.timeScale);
  runner.describe(`result backend conformance: ${options.name}`, () => {
    const probed = probeCapabilities<any, ResultBackendCapabilities>('result backend', options.create, options.capabilities);
    if (!probed.ok) {
      runner.test('capabilities can be read to choose the cases', () => {
        throw new Error(probed.reason);
      });
      return;
    }
    const { capabilities } = probed;
    const cases = new CaseRegistry(runner, capabilities, () => new BackendContext(options, capabilities, timing), timing.scale);
    cases.group('capabilities manifest', () => registerBackendManifestCases(cases));
    cases.group('lifecycle', () => registerBackendLifecycleCases(cases));
    cases.group('store, get and forget', () => registerStoreGetCases(cases));
    cases.group('waitFor', () => registerWaitForCases(cases));
    cases.group('expiry', () => registerTtlCases(cases));
    cases.group('groups', () => registerGroupCases(cases));
    cases.group('chords', () => registerChordCases(cases));
    cases.group('bad input', () => registerBackendBadInputCases(cases));
  });
}
