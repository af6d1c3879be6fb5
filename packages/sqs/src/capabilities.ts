import { defineTransportCapabilities, type TransportCapabilities } from '@tq/core';

/** What SQS offers tq. Priorities, exchanges other than direct, fanout and native TTL are not SQS features. */
export function sqsCapabilities(maxMessageBytes: number): Readonly<TransportCapabilities> {
  return defineTransportCapabilities({
    delayedDelivery: true,
    // DelaySeconds stops at 15 minutes; the transport sends longer delays on again when they arrive.
    maxDelayMs: 900_000,
    priorities: false,
    maxPriority: 0,
    visibilityTimeout: true,
    extendLease: true,
    deadLetter: true,
    fanout: false,
    topic: false,
    maxMessageBytes,
    nativeTtl: false,
    // Long polling: a waiting receive returns as soon as a message arrives.
    push: true,
    durable: true,
    multiProcess: true,
  });
}
