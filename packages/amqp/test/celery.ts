import { type ChildProcess, execFile, spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

/** Debian's Python with Celery 5.2 (`apt-get install -y python3-celery python3-redis`). */
export const PYTHON = '/usr/bin/python3';
const SCRIPT = fileURLToPath(new URL('./fixtures/celery_amqp.py', import.meta.url));
export const hasCelery = existsSync(PYTHON) && spawnSync(PYTHON, ['-c', 'import celery, redis'], { stdio: 'ignore' }).status === 0;
if (!hasCelery) console.warn('\n!!! SKIPPING Celery interop: /usr/bin/python3 has no celery/redis module (apt-get install python3-celery python3-redis). !!!\n');

const run = promisify(execFile);

/** `app.send_task(...)` from a real Celery client; `wait` (seconds) also waits for the result through its backend. */
export async function celerySend(
  broker: string,
  backend: string,
  queue: string,
  task: string,
  args: unknown[],
  options: Record<string, unknown> = {},
): Promise<{ id: string; result?: unknown; state?: string }> {
  const { stdout } = await run(PYTHON, [SCRIPT, 'send', broker, backend, queue, task, JSON.stringify(args), JSON.stringify(options)], {
    timeout: 60_000,
  });
  return JSON.parse(stdout.trim().split('\n').at(-1)!);
}

export async function redisResult(taskId: string): Promise<Record<string, unknown> | null> {
  const { stdout } = await run(PYTHON, [SCRIPT, 'redis-result', taskId], { timeout: 30_000 });
  return JSON.parse(stdout.trim());
}

/** A real `celery worker` consuming `queue`; stop() sends SIGTERM to its own PID and waits for it to exit. */
export function celeryWorker(broker: string, backend: string, queue: string, nodename: string) {
  const child: ChildProcess = spawn(PYTHON, [SCRIPT, 'worker', broker, backend, queue, nodename], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout?.on('data', (chunk) => (output += chunk));
  child.stderr?.on('data', (chunk) => (output += chunk));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return {
    output: () => output,
    async stop(): Promise<void> {
      if (child.exitCode === null && child.pid) process.kill(child.pid, 'SIGTERM');
      const timer = setTimeout(() => child.pid && child.exitCode === null && process.kill(child.pid, 'SIGKILL'), 20_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** One message published by py-amqp itself (kombu's client library), headers exactly as given. */
export async function pyamqpPublish(queue: string, body: string, headers: Record<string, unknown>, contentType = 'application/json'): Promise<void> {
  await run(PYTHON, [SCRIPT, 'raw-publish', queue, body, JSON.stringify(headers), contentType], { timeout: 30_000 });
}
