import { createBenchApp } from './bench-app.js';
import { type RunContext, scaled } from './context.js';
import { publishInBatches, waitForSize } from './enqueue.js';
import { log } from './record.js';
import { WorkerProcess } from './spawn-worker.js';
import { median, round1, round3 } from './stats.js';
import { appSpec, QUEUES, type ResultStore, type Target } from './targets.js';
import type { WorkerChildConfig } from './worker-child.js';

export interface DrainVariant {
  pool: 'async' | 'solo';
  concurrency: number;
  prefetchMultiplier: number;
  store: ResultStore | null;
}

/**
 * The W2 settings: the default async pool (prefetch 4 × concurrency) at each concurrency asked for (100 by default:
 * enough in flight to keep the worker and the broker busy), without and with result storage.
 */
export function drainVariants(target: Target, concurrencies: readonly number[]): DrainVariant[] {
  return concurrencies.flatMap((concurrency) => {
    const base = { pool: 'async' as const, concurrency, prefetchMultiplier: 4 };
    return [{ ...base, store: null }, ...target.w2Results.map((store) => ({ ...base, store }))];
  });
}

export function variantName(variant: DrainVariant): string {
  const prefetch = variant.concurrency * variant.prefetchMultiplier;
  return `${variant.pool}-c${variant.concurrency}-pf${prefetch}${variant.store ? `-results-${variant.store.name}` : ''}`;
}

interface DrainRun {
  activeS: number;
  totalS: number;
  startupS: number;
  peakRssMb: number;
  /** Worker CPU (user + system) per task over the drain: steadier than throughput on a loaded machine. */
  cpuUsPerTask: number;
  requeuedAfterStop: number;
}

/**
 * W2: N tasks are already queued; one worker process (spawned here) drains them. Times as the peers':
 * t_spawn just before the spawn, `first` = first call of the task body, `last` = the worker idle after the N-th
 * body (every message acked, every result stored). tasks_per_s = N / (last - first); tasks_per_s_total =
 * N / (last - t_spawn). Reps are interleaved across variants, as the peers do.
 */
export async function runW2(target: Target, ctx: RunContext): Promise<void> {
  const n = scaled(ctx.n, target.scale);
  const queue = QUEUES.w2;
  const variants = drainVariants(target, ctx.concurrency);
  const runs = new Map<DrainVariant, DrainRun[]>(variants.map((variant) => [variant, []]));
  const errors = new Map<DrainVariant, string[]>(variants.map((variant) => [variant, []]));
  const { app } = await createBenchApp(appSpec(target, queue, null));
  const transport = app.transport;
  try {
    await transport.connect();
    await transport.declareQueue({ name: queue, durable: true });
    for (let rep = 0; rep < ctx.reps; rep++) {
      for (const variant of variants) {
        await transport.purge(queue);
        await publishInBatches(app, queue, n);
        await waitForSize(transport, queue, n);
        try {
          const run = await drainOnce(target, variant, n, ctx, `${target.broker}-${variantName(variant)}`);
          run.requeuedAfterStop = await transport.size(queue);
          runs.get(variant)!.push(run);
          log(
            `W2 ${target.broker} ${variantName(variant)} rep${rep}: ${Math.round(n / run.activeS)}/s active, ${Math.round(n / run.totalS)}/s total ` +
              `(startup ${run.startupS.toFixed(2)} s, worker CPU ${run.cpuUsPerTask.toFixed(1)} µs/task, peak RSS ${run.peakRssMb.toFixed(0)} MB)`,
          );
        } catch (error) {
          errors.get(variant)!.push(String((error as Error).message));
          log(`W2 ${target.broker} ${variantName(variant)} rep${rep}: FAILED: ${(error as Error).message}`);
          // What the failed run left (held or unacked messages) must not leak into the next one.
          await target.cleanup();
          await transport.declareQueue({ name: queue, durable: true });
        }
      }
    }
    await transport.purge(queue);
    await transport.deleteQueue(queue);
  } finally {
    await app.close();
  }
  for (const variant of variants) emitDrain(ctx, target, variant, n, runs.get(variant)!, errors.get(variant)!);
}

async function drainOnce(target: Target, variant: DrainVariant, n: number, ctx: RunContext, tag: string): Promise<DrainRun> {
  const config: WorkerChildConfig = {
    app: appSpec(target, QUEUES.w2, variant.store),
    queue: QUEUES.w2,
    pool: variant.pool,
    concurrency: variant.concurrency,
    prefetchMultiplier: variant.prefetchMultiplier,
    mode: 'drain',
    n,
  };
  const worker = new WorkerProcess(config, { tag, profileDir: ctx.profileDir });
  try {
    const report = await worker.next('last', 240_000);
    const first = report.first as number;
    const last = report.last as number;
    if (report.done !== n) throw new Error(`worker completed ${String(report.done)} tasks, expected ${n}`);
    return {
      activeS: (last - first) / 1000,
      totalS: (last - worker.tSpawn) / 1000,
      startupS: (first - worker.tSpawn) / 1000,
      peakRssMb: (report.maxRssKb as number) / 1024,
      cpuUsPerTask: (report.cpuUs as number) / n,
      requeuedAfterStop: 0,
    };
  } finally {
    await worker.stop();
  }
}

function emitDrain(ctx: RunContext, target: Target, variant: DrainVariant, n: number, runs: DrainRun[], errors: string[]): void {
  const active = runs.map((run) => n / run.activeS);
  const total = runs.map((run) => n / run.totalS);
  const requeued = runs.map((run) => run.requeuedAfterStop);
  ctx.sink.emit({
    system: 'tq',
    broker: target.broker,
    workload: 'W2',
    variant: variantName(variant),
    tasks_per_s: runs.length ? round1(median(active)) : null,
    p50_ms: null,
    p99_ms: null,
    n,
    reps: runs.length,
    pool: variant.pool,
    concurrency: variant.concurrency,
    prefetch: variant.concurrency * variant.prefetchMultiplier,
    results: variant.store?.name ?? null,
    tasks_per_s_total: runs.length ? round1(median(total)) : null,
    startup_s: runs.length ? round3(median(runs.map((run) => run.startupS))) : null,
    peak_rss_mb: runs.length ? round1(median(runs.map((run) => run.peakRssMb))) : null,
    runs_tasks_per_s_total: total.map(round1),
    runs_peak_rss_mb: runs.map((run) => round1(run.peakRssMb)),
    worker_cpu_us_per_task: runs.length ? round1(median(runs.map((run) => run.cpuUsPerTask))) : null,
    ...(requeued.some((count) => count > 0) ? { requeued_after_stop: requeued } : {}),
    ...(errors.length ? { errors } : {}),
    runs_tasks_per_s: active.map(round1),
  });
}
