import { type ChildProcess, spawn } from 'node:child_process';

/**
 * A long-running child (a Celery or tq worker) in its own process group, so stopping it also stops what it
 * started (Celery's pool). Groups still running when the test process exits are killed.
 */
export interface ProcessGroup {
  output(): string;
  /** Resolves once the output matches; rejects when the process exits first or `timeoutMs` passes. */
  waitFor(pattern: RegExp, timeoutMs: number): Promise<void>;
  /** SIGTERM to the group; SIGKILL if it is still there after `graceMs`. */
  stop(graceMs?: number): Promise<void>;
}

const running = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of running) signalGroup(child, 'SIGKILL');
});

function signalGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  try {
    if (child.pid) process.kill(-child.pid, signal);
  } catch {
    // already gone
  }
}

export function startGroup(
  command: string,
  args: string[],
  options: { cwd: string; env: NodeJS.ProcessEnv },
): ProcessGroup {
  const child = spawn(command, args, { ...options, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  running.add(child);
  let output = '';
  child.stdout!.on('data', (chunk) => (output += chunk));
  child.stderr!.on('data', (chunk) => (output += chunk));
  const closed = new Promise<void>((resolve) => child.once('close', () => resolve()));
  void closed.then(() => running.delete(child));
  const exited = () => child.exitCode !== null || child.signalCode !== null;
  return {
    output: () => output,
    async waitFor(pattern, timeoutMs) {
      const deadline = Date.now() + timeoutMs;
      while (!pattern.test(output)) {
        if (exited()) throw new Error(`${command} exited before printing ${pattern}:\n${output}`);
        if (Date.now() > deadline)
          throw new Error(`${command} did not print ${pattern} in ${timeoutMs} ms:\n${output}`);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    },
    async stop(graceMs = 20_000) {
      if (!exited()) signalGroup(child, 'SIGTERM');
      const timer = setTimeout(() => signalGroup(child, 'SIGKILL'), graceMs);
      await closed;
      clearTimeout(timer);
      signalGroup(child, 'SIGKILL'); // stragglers of the group
    },
  };
}
