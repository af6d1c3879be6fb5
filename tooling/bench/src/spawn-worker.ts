import { type ChildProcess, spawn } from 'node:child_process';
import { closeSync, mkdirSync, openSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { REPO_ROOT, SRC_DIR } from './paths.js';
import { wallClockMs } from './stats.js';
import type { WorkerChildConfig } from './worker-child.js';

export const LOG_DIR = process.env.TQ_BENCH_LOG_DIR ?? join(tmpdir(), 'tqbench-logs');
const CHILD = join(SRC_DIR, 'worker-child.ts');
const live = new Set<ChildProcess>();

export interface SpawnOptions {
  /** Log file name (in LOG_DIR) for the child's stderr. */
  tag: string;
  /** Write a CPU profile of the worker's measured window here (see window-profiler.ts). */
  profileDir?: string;
}

/** A worker child process: its JSON lines in order, and a stop that never leaves it behind. */
export class WorkerProcess {
  readonly tSpawn: number;
  private readonly child: ChildProcess;
  private readonly lines: Array<Record<string, unknown>> = [];
  private waiting: (() => void) | undefined;
  private exited = false;
  private readonly exit: Promise<void>;

  constructor(config: WorkerChildConfig, options: SpawnOptions) {
    mkdirSync(LOG_DIR, { recursive: true });
    const errFd = openSync(join(LOG_DIR, `worker-${options.tag}.log`), 'a');
    // The same loader flags as this process (tsx and the @tq/source condition), run from the repo root.
    const profiled = options.profileDir ? { ...config, profileFile: join(options.profileDir, `worker-${options.tag}-${Date.now()}.cpuprofile`) } : config;
    const args = [...process.execArgv, CHILD, JSON.stringify(profiled)];
    this.tSpawn = wallClockMs();
    this.child = spawn(process.execPath, args, { cwd: REPO_ROOT, stdio: ['pipe', 'pipe', errFd], detached: true, env: process.env });
    closeSync(errFd);
    live.add(this.child);
    this.exit = new Promise((resolve) =>
      this.child.once('exit', () => {
        this.exited = true;
        live.delete(this.child);
        this.waiting?.();
        resolve();
      }),
    );
    createInterface({ input: this.child.stdout! }).on('line', (line) => {
      try {
        this.lines.push(JSON.parse(line) as Record<string, unknown>);
      } catch {
        return; // not ours (a stray console.log)
      }
      this.waiting?.();
    });
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  /** The next JSON line with `key`, waiting up to timeoutMs; throws when the child exits first. */
  async next(key: string, timeoutMs: number): Promise<Record<string, unknown>> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const index = this.lines.findIndex((line) => key in line);
      if (index >= 0) return this.lines.splice(index, 1)[0]!;
      if (this.exited) throw new Error(`worker exited before reporting ${key} (log: ${LOG_DIR})`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`worker did not report ${key} within ${timeoutMs} ms (log: ${LOG_DIR})`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiting = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.waiting = undefined;
    }
  }

  /** SIGTERM (warm shutdown), then SIGKILL to its process group after graceMs. */
  async stop(graceMs = 10_000): Promise<void> {
    if (!this.exited) {
      this.child.kill('SIGTERM');
      await Promise.race([this.exit, new Promise((resolve) => setTimeout(resolve, graceMs))]);
    }
    if (!this.exited && this.child.pid) {
      try {
        process.kill(-this.child.pid, 'SIGKILL');
      } catch {
        // already gone
      }
      await Promise.race([this.exit, new Promise((resolve) => setTimeout(resolve, 2000))]);
    }
  }
}

/** Kills every worker child still running (on SIGINT/SIGTERM of the driver). */
export function killAllWorkers(): void {
  for (const child of live) {
    try {
      if (child.pid) process.kill(-child.pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
}
