import type {
  ResultBackend,
  ResultBackendCapabilities,
  Serializer,
  Transport,
  TransportCapabilities,
} from '@tq/core';

interface SuiteOptions<T, C> {
  /** Shown in the suite's title: `transport conformance: <name>`. */
  name: string;
  /**
   * A fresh, unconnected instance per call, all reaching the same broker or store: some cases use two instances
   * (a message one leaves unacked is delivered through another). The suite closes every instance it creates.
   */
  create: () => T | Promise<T>;
  /**
   * Multiplies every wait and deadline (default 1). Waits are event-driven with generous deadlines, so a passing
   * run costs no more with a larger scale; raise it for brokers with coarse timers (seconds) or slow polling.
   */
  timeScale?: number;
  /**
   * The capabilities the instances declare. The suite decides which cases run while registering them, before
   * any test starts; when `create()` returns a Transport/ResultBackend directly it reads them from a probe
   * instance, but when `create()` is async they must be given here. Every instance is checked against them.
   */
  capabilities?: Readonly<C>;
}

export type TransportSuiteOptions = SuiteOptions<Transport, TransportCapabilities>;
export type ResultBackendSuiteOptions = SuiteOptions<ResultBackend, ResultBackendCapabilities>;

export interface SerializerSuiteOptions {
  name: string;
  create: () => Serializer;
  /** Extra values that must survive encode → decode unchanged (deepStrictEqual), e.g. the types a serializer tags. */
  samples?: unknown[];
}
