/**
 * The worker process of W2 and W3: one `createWorker` with the bench app, started by the driver (spawn-worker.ts)
 * with its settings as a JSON argument. It writes JSON lines on stdout:
 *   {"ready":true}                                   once consuming
 *   {"first":ms,"last":ms,"done":n,"maxRssKb":kb,"cpuUs":us}   (drain mode) when n tasks have completed; cpuUs is
 *                                                    the worker's CPU time (user + system) from first to last
 * Times are wall-clock milliseconds (performance.timeOrigin + now), comparable with the driver's.
 */
import { consoleLogger, createWorker } from '@tq/core';
import { type AppSpec, createBenchApp } from './bench-app.js';
import { wallClockMs } from './stats.js';
import { WindowProfiler } from './window-profiler.js';

export interface WorkerChildConfig {
  app: AppSpec;
  queue: string;
  pool: 'async' | 'solo';
  concurrency: number;
  prefetchMultiplier: number;
  mode: 'drain' | 'serve';
  /** drain: report once this many tasks have completed. */
  n: number;
  /** Write a CPU profile of the window from the first task to the report (drain) or to shutdown (serve). */
  profileFile?: string;
}

const config = JSON.parse(process.argv[2] ?? '{}') as WorkerChildConfig;
let first = 0;
let done = 0;
let cpuAtFirst: NodeJS.CpuUsage | undefined;
const profiler = config.profileFile ? new WindowProfiler(config.profileFile) : undefined;

// The task body only counts: `first` is the first body call (BullMQ's "first call of the processor"), and the
// N-th call arms the report, which waits until every delivery has been acknowledged (see below).
const { app } = await createBenchApp(config.app, (x, y) => {
  if (done === 0) {
    profiler?.start();
    first = wallClockMs();
    cpuAtFirst = process.cpuUsage();
  }
  if (++done === config.n && config.mode === 'drain') reportWhenIdle();
  return x + y;
});

const worker = createWorker({
  app,
  queues: [config.queue],
  pool: config.pool,
  concurrency: config.concurrency,
  prefetchMultiplier: config.prefetchMultiplier,
  // As the peers' workers (-l WARNING): no per-task log line.
  logger: consoleLogger('warn'),
});

/**
 * `last` is when the worker has no delivery in hand any more after the N-th body ran: every task has finished,
 * its result (if any) is stored and its message acknowledged, the counterpart of BullMQ's N-th `completed` event
 * (after moveToCompleted returned).
 */
function reportWhenIdle(): void {
  void worker.whenIdle().then(async () => {
    const last = wallClockMs();
    const cpu = process.cpuUsage(cpuAtFirst);
    const maxRssKb = process.resourceUsage().maxRSS;
    await profiler?.stop();
    write({ first, last, done, maxRssKb, cpuUs: cpu.user + cpu.system });
  });
}

function write(record: Record<string, unknown>): void {
  process.stdout.write(`${JSON.stringify(record)}\n`);
}

let stopping = false;
async function shutdown(): Promise<void> {
  if (stopping) return;
  stopping = true;
  try {
    await profiler?.stop();
    await worker.close();
  } finally {
    process.exit(0);
  }
}
process.on('SIGTERM', () => void shutdown());
process.on('SIGINT', () => void shutdown());
// The driver holds our stdin open; if it dies without stopping us, stdin ends and we stop too.
process.stdin.on('end', () => void shutdown());
process.stdin.resume();

await worker.start();
write({ ready: true });
