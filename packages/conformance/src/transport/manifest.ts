import assert from 'node:assert/strict';
import { assertManifestShape } from '../support/manifest.js';
import type { TransportCases } from './cases.js';

const FLAGS = [
  'delayedDelivery',
  'priorities',
  'visibilityTimeout',
  'extendLease',
  'deadLetter',
  'fanout',
  'topic',
  'nativeTtl',
  'push',
  'durable',
  'multiProcess',
] as const;

export function registerManifestCases(cases: TransportCases): void {
  cases.add({
    name: 'the capabilities manifest is frozen, of this contract version, and consistent',
    run: async (ctx) => {
      const transport = await ctx.transport();
      const caps = transport.capabilities;
      assertManifestShape(caps, FLAGS, 'maxMessageBytes', 'defineTransportCapabilities');
      assert.ok(
        typeof caps.maxDelayMs === 'number' && caps.maxDelayMs >= 0 && !Number.isNaN(caps.maxDelayMs),
        `capabilities.maxDelayMs must be a number ≥ 0, got ${caps.maxDelayMs}`,
      );
      if (caps.delayedDelivery) {
        assert.ok(caps.maxDelayMs > 0, 'capabilities.maxDelayMs must be > 0 when delayedDelivery is true');
      }
      assert.ok(
        Number.isInteger(caps.maxPriority) && caps.maxPriority >= 0 && caps.maxPriority <= 255,
        `capabilities.maxPriority must be an integer 0..255, got ${caps.maxPriority}`,
      );
      if (caps.priorities) assert.ok(caps.maxPriority >= 1, 'priorities is true, so maxPriority must be at least 1');
      else assert.equal(caps.maxPriority, 0, 'priorities is false, so maxPriority must be 0');
      if (caps.extendLease) {
        assert.ok(caps.visibilityTimeout, 'extendLease is true, so visibilityTimeout must be true (there is a lease to extend)');
      }
    },
  });
}
