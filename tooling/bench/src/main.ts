/**
 * `pnpm bench`: W1 enqueue, W2 drain and W3 round trip (as ../shared/bench/peers/README.md defines them) for tq on
 * SQLite, Redis, RabbitMQ and SQS; `--compare` runs the Celery/BullMQ harness in the same invocation.
 * stdout: JSON lines; stderr: progress and tables. See tooling/bench/README.md.
 */
import { appendFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { RunContext } from './context.js';
import { HelpRequested, parseOptions, USAGE } from './options.js';
import { runPeers, stopPeers } from './peers.js';
import { log, RecordSink } from './record.js';
import { killAllWorkers } from './spawn-worker.js';
import { compareTable, resultsTable, targetsTable } from './table.js';
import { openTarget, type Target } from './targets.js';
import { runW1 } from './w1-enqueue.js';
import { runW2 } from './w2-drain.js';
import { runW3 } from './w3-roundtrip.js';

const WORKLOAD_RUNNERS = { w1: runW1, w2: runW2, w3: runW3 } as const;

async function main(): Promise<number> {
  let options: ReturnType<typeof parseOptions>;
  try {
    options = parseOptions(process.argv.slice(2));
  } catch (error) {
    process.stderr.write(error instanceof HelpRequested ? `${USAGE}\n` : `tq-bench: ${(error as Error).message}\n\n${USAGE}\n`);
    return error instanceof HelpRequested ? 0 : 2;
  }
  const started = Date.now();
  const out = options.out ?? join(tmpdir(), 'tqbench-results', `${new Date().toISOString().replace(/[:.]/g, '-')}.jsonl`);
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, '');
  const sink = new RecordSink();
  const emit = sink.emit.bind(sink);
  sink.emit = (record) => {
    emit(record);
    appendFileSync(out, `${JSON.stringify(record)}\n`);
  };
  if (options.profileDir) mkdirSync(options.profileDir, { recursive: true });
  const ctx: RunContext = { n: options.n, n3: options.n3, reps: options.reps, sink, profileDir: options.profileDir, concurrency: options.concurrency };
  log(`node ${process.version}; N=${options.n} N3=${options.n3} reps=${options.reps}; brokers ${options.brokers.join(',')}; loadavg ${loadavg().map((x) => x.toFixed(2)).join(' ')}`);

  let failures = 0;
  for (const broker of options.brokers) {
    const opened = await openTarget(broker);
    if ('skipped' in opened) {
      log(`${broker}: skipped (${opened.skipped})`);
      continue;
    }
    openTargets.add(opened);
    try {
      // Start clean: a run that was killed may have left queues, unacked entries or results behind.
      await opened.cleanup();
      for (const workload of options.workloads) {
        try {
          await WORKLOAD_RUNNERS[workload](opened, ctx);
        } catch (error) {
          failures++;
          log(`${broker} ${workload.toUpperCase()} FAILED: ${(error as Error).stack ?? error}`);
        }
      }
    } finally {
      await opened.close().catch((error: Error) => log(`${broker}: cleanup failed: ${error.message}`));
      openTargets.delete(opened);
    }
  }
  log(`tq done in ${Math.round((Date.now() - started) / 1000)} s (loadavg ${loadavg().map((x) => x.toFixed(2)).join(' ')})`);

  if (options.compare) {
    const peers = await runPeers({ systems: options.peers.split(',').map((s) => s.trim()).filter(Boolean), reps: options.reps, n: options.n, n3: options.n3 }, sink);
    if (!peers.ok) {
      failures++;
      log(`peers: ${peers.reason}`);
    }
  }

  process.stderr.write(`\n## Results\n\n${resultsTable(sink.records)}\n`);
  process.stderr.write(`\n## Targets\n\n${targetsTable(sink.records)}\n`);
  if (options.compare) process.stderr.write(`\n## tq against the peers (same run; above 1× = tq ahead)\n\n${compareTable(sink.records)}\n`);
  log(`done in ${Math.round((Date.now() - started) / 1000)} s; JSON lines also in ${out}`);
  return failures > 0 ? 1 : 0;
}

const openTargets = new Set<Target>();

function onSignal(signal: NodeJS.Signals): void {
  log(`${signal}: stopping workers and cleaning up`);
  killAllWorkers();
  stopPeers();
  void Promise.allSettled([...openTargets].map((target) => target.close())).then(() => process.exit(130));
}
process.once('SIGINT', onSignal);
process.once('SIGTERM', onSignal);

main().then(
  (code) => process.exit(code),
  (error: Error) => {
    log(`FAILED: ${error.stack ?? error}`);
    killAllWorkers();
    process.exit(1);
  },
);
