import { createBenchApp } from './bench-app.js';
import { type RunContext, scaled } from './context.js';
import { log } from './record.js';
import { WorkerProcess } from './spawn-worker.js';
import { mean, median, percentile, round1, round3 } from './stats.js';
import { appSpec, QUEUES, type ResultStore, type Target } from './targets.js';

const WARMUP = 20;
/** The worker runs with tq's defaults: async pool, concurrency 32, prefetch 128. */
const POOL = { pool: 'async' as const, concurrency: 32, prefetchMultiplier: 4 };

/**
 * W3: n3 sequential `await add.delay(i, i).get()` against one already running worker process, each timed on
 * its own; WARMUP unmeasured calls first (they also wait for the worker to come up). Percentiles nearest-rank.
 */
export async function runW3(target: Target, ctx: RunContext): Promise<void> {
  const n3 = scaled(ctx.n3, target.scale);
  for (const store of target.w3Results) {
    const variant = `${POOL.pool}-c${POOL.concurrency}-get-${store.name}`;
    const tps: number[] = [];
    const p50: number[] = [];
    const p95: number[] = [];
    const p99: number[] = [];
    const means: number[] = [];
    const errors: string[] = [];
    for (let rep = 0; rep < ctx.reps; rep++) {
      try {
        const { elapsedMs, latencies } = await roundTrips(target, store, n3, ctx, `${target.broker}-w3-${store.name}`);
        tps.push(n3 / (elapsedMs / 1000));
        p50.push(percentile(latencies, 50));
        p95.push(percentile(latencies, 95));
        p99.push(percentile(latencies, 99));
        means.push(mean(latencies));
        log(`W3 ${target.broker} ${variant} rep${rep}: ${Math.round(tps.at(-1)!)}/s p50 ${p50.at(-1)!.toFixed(2)} p95 ${p95.at(-1)!.toFixed(2)} p99 ${p99.at(-1)!.toFixed(2)} ms`);
      } catch (error) {
        errors.push((error as Error).message);
        log(`W3 ${target.broker} ${variant} rep${rep}: FAILED: ${(error as Error).message}`);
      }
    }
    const ok = tps.length > 0;
    ctx.sink.emit({
      system: 'tq',
      broker: target.broker,
      workload: 'W3',
      variant,
      tasks_per_s: ok ? round1(median(tps)) : null,
      p50_ms: ok ? round3(median(p50)) : null,
      p99_ms: ok ? round3(median(p99)) : null,
      n: n3,
      reps: tps.length,
      pool: POOL.pool,
      concurrency: POOL.concurrency,
      results: store.name,
      p95_ms: ok ? round3(median(p95)) : null,
      mean_ms: ok ? round3(median(means)) : null,
      runs_p99_ms: p99.map(round3),
      ...(errors.length ? { errors } : {}),
      runs_tasks_per_s: tps.map(round1),
    });
  }
}

async function roundTrips(target: Target, store: ResultStore, n3: number, ctx: RunContext, tag: string): Promise<{ elapsedMs: number; latencies: number[] }> {
  const spec = appSpec(target, QUEUES.w3, store);
  const { app, add } = await createBenchApp(spec);
  await app.transport.connect();
  await app.transport.declareQueue({ name: QUEUES.w3, durable: true });
  await app.transport.purge(QUEUES.w3);
  const worker = new WorkerProcess({ app: spec, queue: QUEUES.w3, ...POOL, mode: 'serve', n: 0 }, { tag, profileDir: ctx.profileDir });
  try {
    for (let i = 0; i < WARMUP; i++) check(await add.delay(i, i).get({ timeout: 60 }), i);
    const latencies: number[] = [];
    const started = performance.now();
    for (let i = 0; i < n3; i++) {
      const sent = performance.now();
      const value = await add.delay(i, i).get({ timeout: 30 });
      latencies.push(performance.now() - sent);
      check(value, i);
    }
    return { elapsedMs: performance.now() - started, latencies };
  } finally {
    await worker.stop();
    await app.transport.deleteQueue(QUEUES.w3).catch(() => undefined);
    await app.close();
  }
}

function check(value: number, i: number): void {
  if (value !== 2 * i) throw new Error(`bad result ${value} for add(${i}, ${i})`);
}
