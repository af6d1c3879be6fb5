/**
 * Measures the speed-up of CPU-bound tasks on the threads and prefork pools (a script, not a test: speed is not
 * asserted anywhere). Run from the repository root:
 *   node --import tsx --conditions=@tq/source packages/core/test/pools/measure-speedup.ts [jobs] [iterations] [rounds]
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import { createPool, silentLogger } from '@tq/core';
import { app } from './fixtures/tasks.js';
import { job, tasksModule } from './helpers.js';

const jobs = Number(process.argv[2] ?? 8);
const iterations = Number(process.argv[3] ?? 30_000_000);

/** CPU time (ms) used so far by this process (all its threads) and its live child processes, from /proc. */
function cpuMs(): number {
  const own = process.cpuUsage();
  let children = 0;
  const listed = execFileSync('ps', ['-o', 'pid=', '--ppid', String(process.pid)], { encoding: 'utf8' });
  for (const pid of listed.split('\n').map((line) => line.trim()).filter(Boolean)) {
    try {
      const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
      children += ((Number(fields[11]) + Number(fields[12])) * 1000) / 100; // utime + stime, in 100 Hz ticks
    } catch {
      // gone meanwhile (ps itself)
    }
  }
  return (own.user + own.system) / 1000 + children;
}

async function measure(name: string, concurrency: number): Promise<{ wallMs: number; cpuMs: number }> {
  const pool = createPool(name, { app, concurrency, appModule: tasksModule, logger: silentLogger });
  await pool.start();
  await Promise.all(Array.from({ length: concurrency }, () => pool.run(job('t.work', [1000])))); // warm up every slot
  const cpuBefore = cpuMs();
  const started = performance.now();
  const outcomes = await Promise.all(Array.from({ length: jobs }, () => pool.run(job('t.work', [iterations]))));
  const wallMs = performance.now() - started;
  const cpu = cpuMs() - cpuBefore;
  await pool.close();
  if (outcomes.some((outcome) => outcome.status !== 'success')) throw new Error(`${name}: a job failed`);
  return { wallMs, cpuMs: cpu };
}

const rounds = Number(process.argv[4] ?? 3);
const configs = [['solo', 1], ['threads', 1], ['threads', 2], ['prefork', 1], ['prefork', 2]] as const;
const label = ([name, concurrency]: readonly [string, number]) => `${name} -c ${concurrency}`;
console.log(`${jobs} jobs x ${iterations} iterations, best of ${rounds} interleaved rounds, ${availableParallelism()} CPUs, load ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
const best = new Map<string, { wallMs: number; cpuMs: number }>();
for (let round = 0; round < rounds; round++) {
  for (const config of configs) {
    const result = await measure(config[0], config[1]);
    const previous = best.get(label(config));
    if (!previous || result.wallMs < previous.wallMs) best.set(label(config), result);
  }
}
// CPU time / wall time: above 1 only when the jobs really ran on more than one core at once.
for (const config of configs) {
  const { wallMs, cpuMs } = best.get(label(config))!;
  console.log(`${label(config).padEnd(14)} ${wallMs.toFixed(0).padStart(6)} ms wall  ${cpuMs.toFixed(0).padStart(6)} ms CPU  cores busy ${(cpuMs / wallMs).toFixed(2)}`);
}
const ratio = (a: string, b: string) => (best.get(a)!.wallMs / best.get(b)!.wallMs).toFixed(2);
console.log(`speed-up threads -c 2 vs threads -c 1: ${ratio('threads -c 1', 'threads -c 2')}x`);
console.log(`speed-up prefork -c 2 vs prefork -c 1: ${ratio('prefork -c 1', 'prefork -c 2')}x`);
console.log(`speed-up threads -c 2 / prefork -c 2 vs solo: ${ratio('solo -c 1', 'threads -c 2')}x / ${ratio('solo -c 1', 'prefork -c 2')}x`);
console.log(`load after: ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
