import type { RecordSink } from './record.js';

/** Settings every workload reads. */
export interface RunContext {
  /** Tasks for W1 and W2 (before a broker's scale). */
  n: number;
  /** Round trips for W3. */
  n3: number;
  reps: number;
  sink: RecordSink;
  /** Write CPU profiles of worker children (and the driver's own W1 runs) here. */
  profileDir?: string;
  /** W2 worker concurrencies. */
  concurrency: number[];
}

export function scaled(value: number, scale: number): number {
  return Math.max(1, Math.round(value * scale));
}
