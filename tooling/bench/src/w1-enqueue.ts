import { join } from 'node:path';
import type { App, Task } from '@tq/core';
import { createBenchApp } from './bench-app.js';
import { type RunContext, scaled } from './context.js';
import { BATCH, publishInBatches, waitForSize } from './enqueue.js';
import { log } from './record.js';
import { median, round1 } from './stats.js';
import { appSpec, QUEUES, type Target } from './targets.js';
import { WindowProfiler } from './window-profiler.js';

type Add = Task<(x: number, y: number) => number>;

/** The ways one client enqueues N tasks. */
const VARIANTS: Record<string, (add: Add, app: App, n: number) => Promise<void>> = {
  /** `await add.delay(i, i)`, one at a time: bound by the round trip (and the broker's confirm). */
  'delay-loop': async (add, _app, n) => {
    for (let i = 0; i < n; i++) await add.delay(i, i);
  },
  /** BATCH `add.delay()` calls in flight, then Promise.all, N/BATCH times (as BullMQ's add-parallel-1000). */
  [`delay-parallel-${BATCH}`]: async (add, _app, n) => {
    for (let start = 0; start < n; start += BATCH) {
      const sent: Promise<unknown>[] = [];
      for (let i = start; i < Math.min(n, start + BATCH); i++) sent.push(add.delay(i, i));
      await Promise.all(sent);
    }
  },
  /** `transport.publishBatch` with BATCH messages encoded as delay() encodes them: the transport's floor. */
  [`publishBatch-${BATCH}`]: async (_add, app, n) => publishInBatches(app, QUEUES.w1, n),
  /** `add.delayMany(argsLists)`, BATCH per call: the app's batch send (as BullMQ's addBulk-1000). */
  [`delayMany-${BATCH}`]: async (add, _app, n) => {
    for (let start = 0; start < n; start += BATCH) {
      const argsLists: Array<[number, number]> = [];
      for (let i = start; i < Math.min(n, start + BATCH); i++) argsLists.push([i, i]);
      await add.delayMany(argsLists, { batchSize: BATCH });
    }
  },
};

/**
 * W1: enqueue N no-op tasks from one client. The timed region is the loop only, after one untimed warm-up send
 * (connect, declare) and a purge. `tasks_per_s` stops the clock when the last send resolved (the broker has the
 * message: confirmed on RabbitMQ, written on Redis/SQLite); `tasks_per_s_until_visible` when the broker reports N.
 */
export async function runW1(target: Target, ctx: RunContext): Promise<void> {
  const n = scaled(ctx.n, target.scale);
  const queue = QUEUES.w1;
  const { app, add } = await createBenchApp(appSpec(target, queue, null));
  const transport = app.transport;
  try {
    await transport.connect();
    await transport.declareQueue({ name: queue, durable: true });
    for (const [variant, enqueue] of Object.entries(VARIANTS)) {
      const runs: number[] = [];
      const visible: number[] = [];
      for (let rep = 0; rep < ctx.reps; rep++) {
        await transport.purge(queue);
        await add.delay(0, 0);
        await waitForSize(transport, queue, 1);
        await transport.purge(queue);
        // With --profile, the first rep of each variant is profiled in this (the client's) process.
        const profiler = ctx.profileDir && rep === 0 ? new WindowProfiler(join(ctx.profileDir, `client-w1-${target.broker}-${variant}-${Date.now()}.cpuprofile`)) : undefined;
        profiler?.start();
        const started = performance.now();
        await enqueue(add, app, n);
        const publishedMs = performance.now() - started;
        await profiler?.stop();
        const visibleMs = publishedMs + (await waitForSize(transport, queue, n));
        runs.push(n / (publishedMs / 1000));
        visible.push(n / (visibleMs / 1000));
        log(`W1 ${target.broker} ${variant} rep${rep}: ${Math.round(runs.at(-1)!)}/s (visible ${Math.round(visible.at(-1)!)}/s)`);
        await transport.purge(queue);
      }
      ctx.sink.emit({
        system: 'tq',
        broker: target.broker,
        workload: 'W1',
        variant,
        tasks_per_s: round1(median(runs)),
        p50_ms: null,
        p99_ms: null,
        n,
        reps: runs.length,
        tasks_per_s_until_visible: round1(median(visible)),
        runs_tasks_per_s: runs.map(round1),
      });
    }
    await transport.deleteQueue(queue);
  } finally {
    await app.close();
  }
}
