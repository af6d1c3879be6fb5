import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
export const PYTHON = '/usr/bin/python3';
const SCRIPTS = join(import.meta.dirname, 'python');

/** Debian's Celery 5.2 with redis-py, importable by /usr/bin/python3 (not the pyenv python on PATH). */
export const celeryAvailable = await run(PYTHON, ['-c', 'import celery, redis, kombu'], { timeout: 20_000 }).then(
  () => true,
  () => {
    const reason = `${PYTHON} cannot import celery and redis (apt-get install python3-celery python3-redis)`;
    if (process.env.CI === 'true') throw new Error(`${reason}; under CI=true this is a failure`);
    console.warn(`\n!!! SKIPPING Celery interop tests: ${reason} !!!\n`);
    return false;
  },
);

export interface PythonEnv {
  broker: string;
  backend?: string;
  /** kombu's global_keyprefix. */
  prefix: string;
  queue: string;
  /** kombu's visibility_timeout in seconds. */
  visibilityTimeout?: number;
}

function environment(env: PythonEnv): NodeJS.ProcessEnv {
  return {
    ...process.env,
    PYTHONPATH: SCRIPTS,
    PYTHONDONTWRITEBYTECODE: '1',
    TQ_BROKER: env.broker,
    TQ_BACKEND: env.backend ?? env.broker,
    TQ_PREFIX: env.prefix,
    TQ_QUEUE: env.queue,
    TQ_VT: String(env.visibilityTimeout ?? 3600),
  };
}

/** Runs one of the scripts in test/python and returns its stdout. */
export async function python(env: PythonEnv, script: string, args: string[] = [], timeoutMs = 30_000): Promise<string> {
  const { stdout } = await run(PYTHON, [join(SCRIPTS, script), ...args], { env: environment(env), timeout: timeoutMs, cwd: SCRIPTS });
  return stdout.trim();
}

/** Starts a script and collects its output (for scripts that run while the test acts). */
export function spawnPython(env: PythonEnv, script: string, args: string[] = []): ChildProcess & { output: () => string; exited: Promise<void> } {
  const child = spawn(PYTHON, [join(SCRIPTS, script), ...args], { env: environment(env), cwd: SCRIPTS, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return Object.assign(child, { output: () => output, exited });
}

export interface CeleryWorker {
  process: ChildProcess;
  output: () => string;
  stop: () => Promise<void>;
}

/** Starts `celery worker -P solo` on the env's queue and resolves once it says it is ready. */
export async function startCeleryWorker(env: PythonEnv, nodeName: string, timeoutMs = 30_000): Promise<CeleryWorker> {
  const child = spawn(
    PYTHON,
    ['-m', 'celery', '-A', 'celery_app', 'worker', '-P', 'solo', '-Q', env.queue, '-n', `${nodeName}@%h`, '--without-mingle', '--without-gossip', '--without-heartbeat', '-l', 'INFO'],
    { env: environment(env), cwd: SCRIPTS, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  const collect = (chunk: Buffer) => {
    output += chunk.toString();
  };
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
    await exited;
    clearTimeout(timer);
  };
  const deadline = Date.now() + timeoutMs;
  while (!/ ready\./.test(output)) {
    if (child.exitCode !== null) throw new Error(`celery worker exited early:\n${output}`);
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`celery worker not ready within ${timeoutMs} ms:\n${output}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return { process: child, output: () => output, stop };
}
