import type { TransportCapabilities } from '@tq/core';
import type { TransportSuiteOptions } from '../options.js';
import type { Runner } from '../runner.js';
import { CaseRegistry } from '../support/cases.js';
import { probeCapabilities } from '../support/probe.js';
import { Timing } from '../support/timing.js';
import { registerAckRejectCases } from './ack-reject.js';
import { registerBadInputCases } from './bad-input.js';
import { registerBroadcastCases } from './broadcast.js';
import { registerDeadLetterCases } from './dead-letter.js';
import { registerDelayCases } from './delays.js';
import { registerExchangeCases } from './exchanges.js';
import { registerExpiryCases } from './expiry.js';
import { registerLeaseCases } from './leases.js';
import { registerLifecycleCases } from './lifecycle.js';
import { registerManifestCases } from './manifest.js';
import { registerPrefetchCases } from './prefetch.js';
import { registerPriorityCases } from './priorities.js';
import { registerPublishConsumeCases } from './publish-consume.js';
import { registerPurgeSizeCases } from './purge-size.js';
import { registerShutdownCases } from './shutdown.js';
import { TransportContext } from './context.js';

/**
 * Registers the Transport conformance cases with the caller's runner. Which cases run is decided by the
 * instance's capabilities manifest only; the others are registered as skipped, with the reason.
 */
export function transportSuite(runner: Runner, options: TransportSuiteOptions): void {
  const timing = new Timing(options.timeScale);
  runner.describe(`transport conformance: ${options.name}`, () => {
    const probed = probeCapabilities<any, TransportCapabilities>('transport', options.create, options.capabilities);
    if (!probed.ok) {
      runner.test('capabilities can be read to choose the cases', () => {
        throw new Error(probed.reason);
      });
      return;
    }
    const { capabilities } = probed;
    const cases = new CaseRegistry(runner, capabilities, () => new TransportContext(options, capabilities, timing), timing.scale);
    cases.group('capabilities manifest', () => registerManifestCases(cases));
    cases.group('lifecycle', () => registerLifecycleCases(cases));
    cases.group('publish and consume', () => registerPublishConsumeCases(cases));
    cases.group('ack, reject and requeue', () => registerAckRejectCases(cases));
    cases.group('prefetch', () => registerPrefetchCases(cases));
    cases.group('priorities', () => registerPriorityCases(cases));
    cases.group('delayed delivery', () => registerDelayCases(cases));
    cases.group('message expiry', () => registerExpiryCases(cases));
    cases.group('dead-lettering', () => registerDeadLetterCases(cases));
    cases.group('leases and visibility', () => registerLeaseCases(cases));
    cases.group('exchanges: direct, topic, fanout', () => registerExchangeCases(cases));
    cases.group('broadcast and subscribe', () => registerBroadcastCases(cases));
    cases.group('purge, size and deleteQueue', () => registerPurgeSizeCases(cases));
    cases.group('close, abort and dispose', () => registerShutdownCases(cases));
    cases.group('bad input', () => registerBadInputCases(cases));
  });
}
