import type { BenchRecord } from './record.js';

const num = (value: unknown, digits = 0): string =>
  typeof value === 'number' && Number.isFinite(value) ? value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits }) : '-';

/** Every result as a Markdown table (the peers' columns plus tq's peak worker RSS). */
export function resultsTable(records: readonly BenchRecord[]): string {
  const lines = [
    '| system | broker | workload | variant | tasks/s (median) | runs | p50 ms | p95 ms | p99 ms | W2 tasks/s incl. startup | W2 worker peak RSS MB |',
    '|---|---|---|---|---:|---|---:|---:|---:|---:|---:|',
  ];
  for (const r of records) {
    const runs = ((r.runs_tasks_per_s as number[] | undefined) ?? []).map((value) => num(value)).join(', ');
    const errors = Array.isArray(r.errors) && r.errors.length ? `  errors: ${(r.errors as string[]).join('; ')}` : '';
    lines.push(
      `| ${r.system} | ${r.broker} | ${r.workload} | ${r.variant} | ${num(r.tasks_per_s)} | ${runs} | ${num(r.p50_ms, 2)} | ${num(r.p95_ms, 2)} | ${num(r.p99_ms, 2)} | ${num(r.tasks_per_s_total)} | ${num(r.peak_rss_mb)} |${errors}`,
    );
  }
  return lines.join('\n');
}

type Pick = (peers: readonly BenchRecord[]) => BenchRecord | undefined;

const fastest: Pick = (rows) => rows.filter((r) => typeof r.tasks_per_s === 'number').sort((a, b) => b.tasks_per_s! - a.tasks_per_s!)[0];
const quickest: Pick = (rows) => rows.filter((r) => typeof r.p50_ms === 'number').sort((a, b) => a.p50_ms! - b.p50_ms!)[0];

/** The peer result a tq result is compared with: same workload, the peer's best variant (Celery: same broker). */
function reference(tq: BenchRecord, peers: readonly BenchRecord[], system: 'celery' | 'bullmq'): BenchRecord | undefined {
  const rows = peers.filter((r) => r.system === system && r.workload === tq.workload && (system === 'bullmq' || r.broker === tq.broker));
  if (tq.workload === 'W3') return quickest(rows);
  if (tq.workload === 'W1') {
    // One by one against one by one; batched tq against the peer's best (Celery has only its delay loop).
    const oneByOne = tq.variant === 'delay-loop';
    return fastest(rows.filter((r) => (system === 'celery' ? true : oneByOne === (r.variant === 'add-loop'))));
  }
  return fastest(rows);
}

function ratioCell(tq: BenchRecord, peer: BenchRecord | undefined): string {
  if (!peer) return '- | -';
  if (tq.workload === 'W3') {
    const p50 = (peer.p50_ms as number) / (tq.p50_ms as number);
    const p99 = (peer.p99_ms as number) / (tq.p99_ms as number);
    return `${peer.variant}: ${num(peer.p50_ms, 2)} / ${num(peer.p99_ms, 2)} ms | **${num(p50, 1)}× / ${num(p99, 1)}×**`;
  }
  return `${peer.variant}: ${num(peer.tasks_per_s)}/s | **${num((tq.tasks_per_s as number) / (peer.tasks_per_s as number), 1)}×**`;
}

/**
 * tq against Celery (same broker, its best variant) and BullMQ (its best variant) from the same run: throughput as
 * tq/peer, latency as peer/tq, so above 1× always means tq is ahead.
 */
export function compareTable(records: readonly BenchRecord[]): string {
  const tq = records.filter((r) => r.system === 'tq' && (r.tasks_per_s !== null || r.p50_ms !== null));
  const peers = records.filter((r) => r.system !== 'tq');
  const lines = [
    '| broker | workload | tq variant | tq | Celery best (same broker) | tq vs Celery | BullMQ best (Redis) | tq vs BullMQ |',
    '|---|---|---|---:|---|---:|---|---:|',
  ];
  for (const r of tq) {
    const value = r.workload === 'W3' ? `${num(r.p50_ms, 2)} / ${num(r.p99_ms, 2)} ms` : `${num(r.tasks_per_s)}/s`;
    lines.push(`| ${r.broker} | ${r.workload} | ${r.variant} | ${value} | ${ratioCell(r, reference(r, peers, 'celery'))} | ${ratioCell(r, reference(r, peers, 'bullmq'))} |`);
  }
  return lines.join('\n');
}

interface Target {
  what: string;
  broker: string;
  workload: BenchRecord['workload'];
  match: (r: BenchRecord) => boolean;
  check: (r: BenchRecord) => { value: string; met: boolean };
}

const atLeast = (goal: number) => (r: BenchRecord) => ({ value: `${num(r.tasks_per_s)}/s`, met: (r.tasks_per_s ?? 0) >= goal });
const latency = (r: BenchRecord) => ({ value: `p50 ${num(r.p50_ms, 2)} ms, p99 ${num(r.p99_ms, 2)} ms`, met: (r.p50_ms ?? 99) <= 0.5 && (r.p99_ms ?? 99) <= 2 });
const noResults = (r: BenchRecord) => r.results === null;
const batched = (r: BenchRecord) => r.variant !== 'delay-loop';

/** The targets (one worker process, this 2-core machine). */
const TARGETS: Target[] = [
  { what: 'W2 drain ≥ 50,000/s', broker: 'redis', workload: 'W2', match: noResults, check: atLeast(50_000) },
  { what: 'W2 drain ≥ 25,000/s', broker: 'amqp', workload: 'W2', match: noResults, check: atLeast(25_000) },
  { what: 'W2 drain ≥ 20,000/s', broker: 'sqlite', workload: 'W2', match: noResults, check: atLeast(20_000) },
  { what: 'W2 drain, results in Redis ≥ 25,000/s', broker: 'redis', workload: 'W2', match: (r) => r.results === 'redis', check: atLeast(25_000) },
  { what: 'W1 batched ≥ 150,000/s', broker: 'redis', workload: 'W1', match: batched, check: atLeast(150_000) },
  { what: 'W1 batched (confirms) ≥ 30,000/s', broker: 'amqp', workload: 'W1', match: batched, check: atLeast(30_000) },
  { what: 'W3 p50 ≤ 0.5 ms, p99 ≤ 2 ms', broker: 'redis', workload: 'W3', match: () => true, check: latency },
  { what: 'W3 p50 ≤ 0.5 ms, p99 ≤ 2 ms', broker: 'amqp', workload: 'W3', match: () => true, check: latency },
];

/** Each target against the best matching tq result of the run. */
export function targetsTable(records: readonly BenchRecord[]): string {
  const lines = ['| target | broker | best tq result (variant) | met |', '|---|---|---|---|'];
  for (const target of TARGETS) {
    const rows = records.filter((r) => r.system === 'tq' && r.broker === target.broker && r.workload === target.workload && target.match(r));
    const best = target.workload === 'W3' ? quickest(rows) : fastest(rows);
    if (!best) continue;
    const { value, met } = target.check(best);
    lines.push(`| ${target.what} | ${target.broker} | ${value} (${best.variant}) | ${met ? 'yes' : '**no**'} |`);
  }
  return lines.join('\n');
}
