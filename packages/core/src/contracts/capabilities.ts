/**
 * Capabilities are one frozen manifest per implementation. The runtime reads them to decide what to emulate, the
 * conformance suite reads them to decide which behaviours to check, and the docs print them. Never branch on an
 * adapter's name: branch on a capability.
 */

/** Version of the Transport/ResultBackend contracts an implementation was written against. */
export const CONTRACT_VERSION = 1;

export interface TransportCapabilities {
  contractVersion: number;
  /** `publish({delayMs})` holds the message back broker-side until then. */
  delayedDelivery: boolean;
  /** Largest delay the broker honours natively, in ms (Infinity when unbounded). Longer delays are re-delayed. */
  maxDelayMs: number;
  /** Message priorities are honoured (higher first, 0..maxPriority). */
  priorities: boolean;
  /** Highest distinct priority level the broker honours (0 when priorities is false). */
  maxPriority: number;
  /** Delivered messages are leased and come back when the lease ends (SQS, SQLite, Redis restore). */
  visibilityTimeout: boolean;
  /** `delivery.extend(ms)` is available. */
  extendLease: boolean;
  /** `reject({requeue:false})` moves the message to a dead-letter queue rather than dropping it. */
  deadLetter: boolean;
  /** Exchanges of type fanout and `broadcast`/`subscribe` are available. */
  fanout: boolean;
  /** Exchanges of type topic route by pattern. */
  topic: boolean;
  /** Largest message (body plus headers) the broker accepts, in bytes. */
  maxMessageBytes: number;
  /** The broker drops messages whose `expiration` passed. */
  nativeTtl: boolean;
  /** Consumers are woken by the broker (no polling delay). */
  push: boolean;
  /** Messages survive a broker restart. */
  durable: boolean;
  /** Several processes may consume one queue safely. */
  multiProcess: boolean;
}

export interface ResultBackendCapabilities {
  contractVersion: number;
  /** `waitFor` is woken by the store (pub/sub, reply queue) rather than by polling. */
  push: boolean;
  /** `chordPartCompleted` is atomic: exactly one caller sees the chord complete. */
  chords: boolean;
  /** Stored results expire by themselves after `ttlMs`. */
  nativeTtl: boolean;
  /** Results are readable from any process (false for the RPC backend: only the caller sees them). */
  shared: boolean;
  /** Group results can be saved and restored. */
  groups: boolean;
  /** Largest stored value in bytes. */
  maxValueBytes: number;
}

export function defineTransportCapabilities(capabilities: Omit<TransportCapabilities, 'contractVersion'>): Readonly<TransportCapabilities> {
  return Object.freeze({ contractVersion: CONTRACT_VERSION, ...capabilities });
}

export function defineBackendCapabilities(
  capabilities: Omit<ResultBackendCapabilities, 'contractVersion'>,
): Readonly<ResultBackendCapabilities> {
  return Object.freeze({ contractVersion: CONTRACT_VERSION, ...capabilities });
}
