import { defineBackendCapabilities, defineTransportCapabilities } from '@tq/core';
import { MAX_WIRE_PRIORITY } from './priority.js';
import { MAX_MESSAGE_BYTES } from './publisher.js';

/** The transport's manifest; `deadLetter` is false when the transport drops rejected messages as kombu does. */
export function redisTransportCapabilities(deadLetter: boolean) {
  return defineTransportCapabilities({ ...TRANSPORT_BASE, deadLetter });
}

const TRANSPORT_BASE = {
  delayedDelivery: true,
  maxDelayMs: Number.POSITIVE_INFINITY,
  priorities: true,
  // tq priorities 0..9; kombu's default steps [0,3,6,9] give four distinct buckets (see README, "Priorities").
  maxPriority: MAX_WIRE_PRIORITY,
  visibilityTimeout: true,
  extendLease: true,
  deadLetter: true,
  fanout: true,
  topic: true,
  maxMessageBytes: MAX_MESSAGE_BYTES,
  nativeTtl: false,
  push: true,
  // As durable as the server's persistence (RDB/AOF) makes it.
  durable: true,
  multiProcess: true,
};

export const REDIS_TRANSPORT_CAPABILITIES = redisTransportCapabilities(true);

export const REDIS_BACKEND_CAPABILITIES = defineBackendCapabilities({
  push: true,
  chords: true,
  nativeTtl: true,
  shared: true,
  groups: true,
  maxValueBytes: MAX_MESSAGE_BYTES,
});
