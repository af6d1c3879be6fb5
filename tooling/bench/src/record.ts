/** One result, in the peer harness's JSON line shape (see ../shared/bench/peers/README.md, "Output"). */
export interface BenchRecord {
  system: string;
  broker: string;
  workload: 'W1' | 'W2' | 'W3';
  variant: string;
  tasks_per_s: number | null;
  p50_ms: number | null;
  p99_ms: number | null;
  [extra: string]: unknown;
}

export function isBenchRecord(value: unknown): value is BenchRecord {
  const record = value as Partial<BenchRecord> | null;
  return typeof record === 'object' && record !== null && typeof record.system === 'string' && typeof record.workload === 'string' && typeof record.variant === 'string';
}

/** Where results go: stdout gets JSON lines only (progress and tables go to stderr), as the peers' drivers do. */
export class RecordSink {
  readonly records: BenchRecord[] = [];

  emit(record: BenchRecord): void {
    this.records.push(record);
    process.stdout.write(`${JSON.stringify(record)}\n`);
  }
}

export function log(message: string): void {
  process.stderr.write(`[tq-bench] ${message}\n`);
}
