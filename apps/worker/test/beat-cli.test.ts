import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import { exited, repoRoot, runTq, startWorker, tempDir } from './cli-harness.js';

const FIXTURE = 'apps/worker/test/fixtures/beat-tasks.ts';
const cleanups: Array<() => void> = [];
afterEach(() => {
  for (const cleanup of cleanups.splice(0).reverse()) cleanup();
});

function sandbox() {
  const { dir, cleanup } = tempDir();
  cleanups.push(cleanup);
  return { broker: `sqlite://${join(dir, 'tq.db')}`, stateFile: join(dir, 'beat-state.json'), marker: join(dir, 'ticks.log') };
}

/** Starts `tq beat ...` in the background (as the harness starts workers); the test stops it. */
function startBeat(args: string[], env: NodeJS.ProcessEnv = {}): ChildProcess & { output: () => string } {
  const bin = join(repoRoot, 'apps/worker/src/bin.ts');
  const child = spawn(process.execPath, ['--import', 'tsx', '--conditions=@tq/source', bin, 'beat', ...args], {
    cwd: repoRoot,
    env: { ...process.env, ...env },
  });
  let output = '';
  child.stdout!.on('data', (chunk) => (output += chunk));
  child.stderr!.on('data', (chunk) => (output += chunk));
  cleanups.push(() => child.kill('SIGKILL'));
  return Object.assign(child, { output: () => output });
}

async function until(condition: () => boolean, what: string, output: () => string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}\n${output()}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

const lines = (path: string) => (existsSync(path) ? readFileSync(path, 'utf8').trim().split('\n').filter(Boolean) : []);

describe('tq beat', () => {
  test('sends the app’s beatSchedule tasks that `tq worker` runs; a second beat on the same file is refused; SIGTERM exits 0', async () => {
    const { broker, stateFile, marker } = sandbox();
    const worker = startWorker(['-A', FIXTURE, '--broker', broker, '-c', '2'], { TQ_BEAT_MARKER: marker });
    cleanups.push(() => worker.kill('SIGKILL'));
    const beat = startBeat(['-A', FIXTURE, '--broker', broker, '--schedule', stateFile, '--max-interval', '0.2', '-l', 'info'], { TQ_BEAT_MARKER: marker });
    const output = () => `beat:\n${beat.output()}\nworker:\n${worker.output()}`;

    await until(() => lines(marker).length >= 2, 'two runs of beat.tick', output);

    const second = await runTq(['beat', '-A', FIXTURE, '--broker', broker, '--schedule', stateFile], { TQ_BEAT_MARKER: marker });
    expect(second.code).toBe(2);
    expect(second.stderr).toContain('TQ_INVALID_CONFIG');
    expect(second.stderr).toContain('another beat is running');

    beat.kill('SIGTERM');
    expect(await exited(beat)).toBe(0);
    expect(beat.output()).toContain('beat: sent');
    const state = JSON.parse(readFileSync(stateFile, 'utf8'));
    expect(state).toMatchObject({ format: 'tq-beat-schedule', entries: { tick: { totalRunCount: expect.any(Number) } } });
    expect(state.entries.tick.totalRunCount).toBeGreaterThanOrEqual(2);
    expect(existsSync(`${stateFile}.lock`)).toBe(false);

    worker.kill('SIGTERM');
    expect(await exited(worker)).toBe(0);
  });

  test('a schedule entry with a bad option is a typed error, exit 2, before anything is sent', async () => {
    const { broker, stateFile } = sandbox();
    const result = await runTq(['beat', '-A', 'apps/worker/test/fixtures/beat-bad-options.ts', '--broker', broker, '--schedule', stateFile]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("TQ_INVALID_CONFIG beat entry 'nightly': options.priority must be an integer 0-255");
    expect(existsSync(stateFile)).toBe(false);
  });

  test('tq beat without -A says what it needs', async () => {
    const result = await runTq(['beat']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('TQ_NO_APP');
  });
});
