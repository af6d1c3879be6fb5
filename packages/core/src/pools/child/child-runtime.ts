import { pathToFileURL } from 'node:url';
import type { PoolOutcome } from '../../contracts/pool.js';
import { App } from '../../app/app.js';
import { ErrorCodes, TqError } from '../../errors/tq-error.js';
import { executeTask } from '../execute-task.js';
import type { ChildInit, ChildMessage, ParentMessage, WireOutcome } from './protocol.js';
import { isTypeScriptModule, registerTypeScript } from './typescript-loader.js';
import { decodeError, describe, encodeError } from './wire-error.js';

/** How the child talks to its pool: a worker thread's parentPort, or a child process's IPC channel. */
export interface ParentLink {
  readonly pid: number;
  readonly threadId: number;
  /** Throws (DataCloneError) when the message cannot be cloned. */
  send(message: ChildMessage): void;
  onMessage(handler: (message: ParentMessage) => void): void;
  /** Memory figure checked against maxMemoryPerChild, in KiB. */
  memoryKb(): number;
  /** Exits once what was sent has left. */
  exit(code: number): void;
}

/**
 * The child side of `threads` and `prefork`: loads the user's module itself, then runs the jobs the pool sends
 * with the same `executeTask` the in-process pools use, and sends outcomes back. One job at a time is the pool's
 * rule; this side does not depend on it.
 */
export class ChildRuntime {
  private app: App | undefined;
  private readonly running = new Map<number, { controller: AbortController; done: Promise<void> }>();

  constructor(private readonly link: ParentLink) {
    link.onMessage((message) => void this.receive(message));
  }

  private async receive(message: ParentMessage): Promise<void> {
    switch (message.type) {
      case 'init':
        return this.init(message);
      case 'run': {
        const controller = new AbortController();
        const done = this.run(message.jobId, message.job, controller.signal).finally(() => this.running.delete(message.jobId));
        this.running.set(message.jobId, { controller, done });
        return done;
      }
      case 'abort':
        this.running.get(message.jobId)?.controller.abort(decodeError(message.reason));
        return;
      case 'shutdown':
        return this.shutdown();
    }
  }

  private async init(init: ChildInit): Promise<void> {
    try {
      this.app = await loadApp(init);
      this.link.send({ type: 'ready', pid: this.link.pid, threadId: this.link.threadId });
    } catch (error) {
      this.link.send({ type: 'startup-failed', error: encodeError(error) });
      this.link.exit(1);
    }
  }

  private async run(jobId: number, job: Parameters<typeof executeTask>[1], signal: AbortSignal): Promise<void> {
    const app = this.app;
    const outcome: PoolOutcome = app
      ? await executeTask(app, job, signal)
      : { status: 'failure', error: new TqError(ErrorCodes.INVALID_CONFIG, 'the child received a job before its app loaded'), runtimeMs: 0 };
    const options = app?.tasks.get(job.taskName)?.options;
    const wire: WireOutcome =
      outcome.status === 'success'
        ? { status: 'success', value: outcome.value, runtimeMs: outcome.runtimeMs }
        : { status: 'failure', error: encodeError(outcome.error, options), runtimeMs: outcome.runtimeMs };
    try {
      this.link.send({ type: 'done', jobId, outcome: wire, memoryKb: this.link.memoryKb() });
    } catch (error) {
      const refused = new TqError(
        ErrorCodes.ENCODE,
        `task ${job.taskName}[${job.taskId}] ${wire.status === 'success' ? 'returned' : 'threw'} a value that cannot be sent back from the pool's ${this.link.threadId ? 'thread' : 'child process'} (only structured-cloneable values can): ${firstLine(error)}`,
        { details: { taskId: job.taskId, task: job.taskName } },
      );
      const failure: WireOutcome = { status: 'failure', error: encodeError(refused), runtimeMs: outcome.runtimeMs };
      this.link.send({ type: 'done', jobId, outcome: failure, memoryKb: this.link.memoryKb() });
    }
  }

  private async shutdown(): Promise<void> {
    await Promise.allSettled([...this.running.values()].map((job) => job.done));
    await this.app?.close().catch(() => undefined);
    this.link.exit(0);
  }

  /** Background failures (a promise a task forgot) are reported, not fatal: the child keeps serving. */
  reportBackgroundError(error: unknown): void {
    try {
      this.link.send({ type: 'log', level: 'error', message: 'unhandled rejection in a pool child', error: encodeError(error) });
    } catch {
      // The parent is gone or the error cannot be described; nothing else to do.
    }
  }
}

async function loadApp(init: ChildInit): Promise<App> {
  if (isTypeScriptModule(init.appModule) && !init.typescriptReady) await registerTypeScript(init.appModule);
  let loaded: Record<string, unknown>;
  try {
    loaded = await import(pathToFileURL(init.appModule).href);
  } catch (error) {
    throw new TqError(ErrorCodes.NO_APP, `${init.appModule} failed to load in a pool child: ${firstLine(error)}`, { cause: error });
  }
  const candidate = loaded.app ?? loaded.default;
  if (!App.isApp(candidate)) {
    throw new TqError(ErrorCodes.NO_APP, `${init.appModule} exports no app (export const app = createApp(...), or a default export)`);
  }
  if (init.appSettings) candidate.configure(init.appSettings);
  return candidate;
}

function firstLine(error: unknown): string {
  const text = error instanceof Error ? error.message : describe(error);
  const line = text.split('\n')[0] ?? '';
  return line.length > 200 ? `${line.slice(0, 200)}…` : line;
}
