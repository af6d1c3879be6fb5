import { type ChildProcess, execFileSync, spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from '../cli-harness.js';

/**
 * Real processes for the interop tests: Python Celery 5.2 workers and clients (Debian's /usr/bin/python3), `tq
 * worker` and `tq call`. Each runs in its own process group, which is killed when the test stops it, when it
 * outlives its timeout, and (SIGKILL) when the test process exits, so no Python or tq process is left behind.
 */
export const PYTHON = '/usr/bin/python3';
export const INTEROP_DIR = import.meta.dirname;
export const TQ_APP = join(INTEROP_DIR, 'tq-app.ts');
const TQ_BIN = join(repoRoot, 'apps/worker/src/bin.ts');
const TQ_NODE_ARGS = ['--import', 'tsx', '--conditions=@tq/source'];

/** Whether /usr/bin/python3 imports these modules. Missing: a loud skip locally, a failure under CI=true. */
export function pythonHas(modules: string[], what: string): boolean {
  const ok = existsSync(PYTHON) && spawnSync(PYTHON, ['-c', `import ${modules.join(', ')}`], { stdio: 'ignore' }).status === 0;
  if (ok) return true;
  const reason = `${PYTHON} cannot import ${modules.join(', ')} (apt-get install -y python3-celery python3-redis python3-msgpack)`;
  if (process.env.CI === 'true') throw new Error(`${what}: ${reason}; under CI=true this is a failure`);
  console.warn(`\n!!! SKIPPING ${what}: ${reason}. !!!\n`);
  return false;
}

const running = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of running) killGroup(child, 'SIGKILL');
});

function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (!child.pid) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    // the group is gone already
  }
}

export interface Proc {
  readonly child: ChildProcess;
  output(): string;
  /** Resolves when the output matches, rejects if the process exits first or `timeoutMs` passes. */
  waitFor(pattern: RegExp, timeoutMs: number): Promise<void>;
  /** Waits for the leader to exit and its output to end; SIGKILL to the group after `timeoutMs`. Stragglers die too. */
  finished(timeoutMs: number): Promise<number | null>;
  /** Signals the whole group, then `finished(graceMs)`. */
  stop(signal?: NodeJS.Signals, graceMs?: number): Promise<number | null>;
}

export function spawnGroup(command: string, args: string[], env: NodeJS.ProcessEnv, cwd = repoRoot): Proc {
  const child = spawn(command, args, { cwd, env: { ...process.env, ...env }, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  running.add(child);
  let output = '';
  child.stdout!.on('data', (chunk) => (output += chunk));
  child.stderr!.on('data', (chunk) => (output += chunk));
  // Stragglers in the group die with the leader; 'close' comes after that and after the last output.
  child.once('exit', () => killGroup(child, 'SIGKILL'));
  const exit = new Promise<number | null>((resolve) => child.once('close', (code) => resolve(code)));
  void exit.then(() => running.delete(child));
  return {
    child,
    output: () => output,
    async waitFor(pattern, timeoutMs) {
      const deadline = Date.now() + timeoutMs;
      while (!pattern.test(output)) {
        if (child.exitCode !== null || child.signalCode !== null) throw new Error(`${command} exited (${child.exitCode ?? child.signalCode}) before ${pattern}:\n${output}`);
        if (Date.now() > deadline) throw new Error(`${command} did not print ${pattern} within ${timeoutMs} ms:\n${output}`);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    },
    async finished(timeoutMs) {
      const timer = setTimeout(() => killGroup(child, 'SIGKILL'), timeoutMs);
      const code = await exit;
      clearTimeout(timer);
      return code;
    },
    stop(signal = 'SIGTERM', graceMs = 20_000) {
      if (child.exitCode === null && child.signalCode === null) killGroup(child, signal);
      return this.finished(graceMs);
    },
  };
}

/** Runs a process to completion (killing its group after `timeoutMs`). */
async function runGroup(command: string, args: string[], env: NodeJS.ProcessEnv, timeoutMs: number, cwd?: string) {
  const proc = spawnGroup(command, args, env, cwd);
  const code = await proc.finished(timeoutMs);
  return { code, output: proc.output() };
}

/** Settings of interop_celery.py (see its docstring); also read by tq-app.ts where they apply. */
export interface InteropEnv {
  INTEROP_BROKER: string;
  INTEROP_BACKEND: string;
  INTEROP_QUEUE: string;
  INTEROP_KEY_PREFIX?: string;
  INTEROP_SERIALIZER?: 'json' | 'msgpack';
  INTEROP_COMPRESSION?: string;
  INTEROP_ACCEPT?: string;
  INTEROP_RESULT_SERIALIZER?: 'json' | 'msgpack';
}

const pythonEnv = (env: InteropEnv) => ({ ...env, PYTHONPATH: INTEROP_DIR, PYTHONDONTWRITEBYTECODE: '1' });

/** `celery -A interop_celery worker -P solo` on the env's queue; resolves once it is ready. */
export async function startCeleryWorker(env: InteropEnv): Promise<Proc> {
  const args = ['-m', 'celery', '-A', 'interop_celery', 'worker', '-P', 'solo', '--without-mingle', '--without-gossip', '--without-heartbeat'];
  const proc = spawnGroup(PYTHON, [...args, '-Q', env.INTEROP_QUEUE, '-n', `${env.INTEROP_QUEUE}@py`, '-l', 'INFO'], pythonEnv(env), INTEROP_DIR);
  await proc.waitFor(/ready\./, 60_000).catch(async (error: unknown) => {
    await proc.stop('SIGKILL');
    throw error;
  });
  return proc;
}

/** `tq worker -A tq-app.ts --broker ... --result-backend ... -Q queue`; resolves once it consumes. */
export async function startTqWorker(env: InteropEnv, broker: string, backend: string): Promise<Proc> {
  const args = [...TQ_NODE_ARGS, TQ_BIN, 'worker', '-A', TQ_APP, '--broker', broker, '--result-backend', backend, '-Q', env.INTEROP_QUEUE, '-c', '4'];
  const proc = spawnGroup(process.execPath, args, env as unknown as NodeJS.ProcessEnv);
  await proc.waitFor(/consuming/, 60_000).catch(async (error: unknown) => {
    await proc.stop('SIGKILL');
    throw error;
  });
  return proc;
}

/** `tq call|result -A tq-app.ts ...` to completion. */
export function runTq(env: InteropEnv, command: 'call' | 'result', args: string[], timeoutMs = 60_000) {
  return runGroup(process.execPath, [...TQ_NODE_ARGS, TQ_BIN, command, '-A', TQ_APP, ...args], env as unknown as NodeJS.ProcessEnv, timeoutMs);
}

export interface CeleryCall {
  name: string;
  args?: unknown[];
  kwargs?: Record<string, unknown>;
  /** send_task options: countdown and expires in seconds, ... */
  options?: { countdown?: number; expires?: number };
}

export interface CeleryOutcome {
  id: string;
  sentAt: number;
  ok: boolean;
  state: string;
  value?: unknown;
  types?: unknown;
  excType?: string;
  excModule?: string;
  excArgs?: unknown[];
}

/**
 * `celery_client.py`: Celery's `app.send_task` for each call, then `AsyncResult.get()` for each. Every task id sent
 * is added to `sentIds` as soon as it is printed (for cleanup even if the client then fails).
 */
export async function celeryClient(env: InteropEnv, calls: CeleryCall[], sentIds: Set<string>, timeoutS = 30): Promise<CeleryOutcome[]> {
  const spec = JSON.stringify({ calls, timeout: timeoutS });
  const { code, output } = await runGroup(PYTHON, [join(INTEROP_DIR, 'celery_client.py'), spec], pythonEnv(env), (timeoutS + 30) * 1000, INTEROP_DIR);
  const lines = output.split('\n').filter((line) => line.startsWith('{'));
  const parsed = lines.map((line) => JSON.parse(line) as CeleryOutcome & { sent?: string });
  for (const line of parsed) if (line.sent) sentIds.add(line.sent);
  const outcomes = parsed.filter((line) => !line.sent);
  if (code !== 0 || outcomes.length !== calls.length) throw new Error(`celery_client.py exited ${code} with ${outcomes.length}/${calls.length} results:\n${output}`);
  return outcomes;
}

/** Deletes the test's Redis keys: everything under its broker prefix, and Celery's result keys for the given ids. */
export function cleanupRedis(prefix: string | undefined, taskIds: Iterable<string>, db = 0): void {
  const cli = (...args: string[]) => execFileSync('redis-cli', ['-h', '127.0.0.1', '-n', String(db), ...args], { encoding: 'utf8' });
  const keys = prefix ? cli('--scan', '--pattern', `${prefix}*`).split('\n').filter(Boolean) : [];
  keys.push(...[...taskIds].map((id) => `celery-task-meta-${id}`));
  for (let i = 0; i < keys.length; i += 500) cli('del', ...keys.slice(i, i + 500));
}

/** Deletes RabbitMQ queues (and `.dead` copies and same-named exchanges) with kombu. */
export async function cleanupAmqp(url: string, names: string[]): Promise<void> {
  const { code, output } = await runGroup(PYTHON, [join(INTEROP_DIR, 'amqp_cleanup.py'), url, ...names], pythonEnv({} as InteropEnv), 30_000, INTEROP_DIR);
  if (code !== 0) console.warn(`amqp_cleanup.py exited ${code}:\n${output}`);
}
