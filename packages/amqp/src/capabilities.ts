import { defineTransportCapabilities, defineBackendCapabilities } from '@tq/core';
import { MAX_DELAY_MS } from './delayed-delivery.js';
import type { ResolvedTransportOptions } from './options.js';

export function transportCapabilities(options: ResolvedTransportOptions) {
  const quorum = options.queueType === 'quorum';
  return defineTransportCapabilities({
    delayedDelivery: true,
    maxDelayMs: MAX_DELAY_MS,
    // Quorum queues on RabbitMQ 3.x have no priorities.
    priorities: !quorum,
    maxPriority: quorum ? 0 : 255,
    visibilityTimeout: false,
    extendLease: false,
    deadLetter: options.deadLetter !== 'off',
    fanout: true,
    topic: true,
    maxMessageBytes: options.maxMessageBytes,
    nativeTtl: true,
    push: true,
    durable: true,
    multiProcess: true,
  });
}

export const rpcBackendCapabilities = defineBackendCapabilities({
  push: true,
  chords: false,
  nativeTtl: false,
  shared: false,
  groups: false,
  maxValueBytes: 134_217_728,
});
