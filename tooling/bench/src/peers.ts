import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { promisify } from 'node:util';
import { PEERS_DIR } from './paths.js';
import { isBenchRecord, log, type RecordSink } from './record.js';

/**
 * The peers' harness directory is read-only and run_all.sh writes next to itself (node_modules from `npm ci`,
 * results/, Python's __pycache__), so it runs from a copy in the temp dir. The copy's node_modules is kept
 * between runs; the harness files are refreshed every time.
 */
export const PEERS_COPY = process.env.TQ_BENCH_PEERS_COPY ?? join(tmpdir(), 'tqbench-peers');

let running: ChildProcess | undefined;

export interface PeerRunOptions {
  systems: string[];
  reps: number;
  n: number;
  n3: number;
}

/** Runs the peer harness (its own budget and cleanup) and forwards its JSON lines to the sink. */
export async function runPeers(options: PeerRunOptions, sink: RecordSink): Promise<{ ok: boolean; reason?: string }> {
  if (!existsSync(join(PEERS_DIR, 'run_all.sh'))) return { ok: false, reason: `no peer harness at ${PEERS_DIR}` };
  copyHarness();
  const installed = await installNodeDeps();
  if (!installed.ok) return installed;
  const env = {
    ...process.env,
    SYSTEMS: options.systems.join(' '),
    REPS: String(options.reps),
    N: String(options.n),
    N3: String(options.n3),
  };
  log(`peers: running ${PEERS_COPY}/run_all.sh (SYSTEMS="${env.SYSTEMS}" REPS=${env.REPS} N=${env.N} N3=${env.N3})`);
  const child = spawn('bash', ['run_all.sh'], { cwd: PEERS_COPY, env, stdio: ['ignore', 'pipe', 'inherit'] });
  running = child;
  createInterface({ input: child.stdout! }).on('line', (line) => {
    try {
      const record = JSON.parse(line) as unknown;
      if (isBenchRecord(record)) sink.emit(record);
    } catch {
      // run_all.sh prints only JSON lines on stdout; anything else is not a result
    }
  });
  const code = await new Promise<number | null>((resolve) => child.once('exit', (exitCode) => resolve(exitCode)));
  running = undefined;
  return code === 0 ? { ok: true } : { ok: false, reason: `run_all.sh exited with ${code}` };
}

/** Forwards a stop to the harness, which stops its own workers and cleans up. */
export function stopPeers(): void {
  running?.kill('SIGTERM');
}

/**
 * run_all.sh runs `npm ci` when node_modules is missing, but npm 11 refuses the harness's lock file (it lacks the
 * other platforms' optional msgpackr-extract packages), so the copy gets a plain `npm install` of the same pinned
 * versions first (the copy's lock file may be rewritten; the original is never touched).
 */
async function installNodeDeps(): Promise<{ ok: boolean; reason?: string }> {
  if (existsSync(join(PEERS_COPY, 'node_modules/bullmq')) && existsSync(join(PEERS_COPY, 'node_modules/ioredis'))) return { ok: true };
  log(`peers: installing the harness's pinned node packages in ${PEERS_COPY} (npm install)`);
  try {
    await promisify(execFile)('npm', ['install', '--no-audit', '--no-fund'], { cwd: PEERS_COPY, timeout: 300_000 });
    return { ok: true };
  } catch (error) {
    return { ok: false, reason: `npm install in ${PEERS_COPY} failed: ${(error as Error).message}` };
  }
}

function copyHarness(): void {
  mkdirSync(PEERS_COPY, { recursive: true });
  for (const name of readdirSync(PEERS_DIR)) {
    const source = join(PEERS_DIR, name);
    if (!statSync(source).isFile()) continue;
    const target = join(PEERS_COPY, name);
    rmSync(target, { force: true });
    copyFileSync(source, target);
    chmodSync(target, name.endsWith('.sh') ? 0o755 : 0o644);
  }
}
