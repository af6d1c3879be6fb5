import { resolve } from 'node:path';
import { type App, type BeatEntry, consoleLogger, ErrorCodes, type Logger, sleep, TqError } from '@tq/core';
import { acquireStateLock } from './state-lock.js';
import { type EntryState, readState, writeState } from './state-file.js';
import { type ValidEntry, validateEntry } from './validate-entry.js';

export const DEFAULT_STATE_FILE = './tq-beat-schedule.json';

export interface BeatOptions {
  app: App;
  /** The entries, by name. Default: the app's `beatSchedule`. */
  schedule?: Record<string, BeatEntry>;
  /** Where last-run times persist (Celery's celerybeat-schedule). Default `./tq-beat-schedule.json`. */
  stateFile?: string;
  /** Aborting it closes the beat. */
  signal?: AbortSignal;
  /** Default: console at info level. */
  logger?: Logger;
  /** The clock, epoch ms. Tests inject a fixed one and call `tick()`. */
  now?: () => number;
  /** Longest sleep between two looks at the schedule (Celery's beat_max_loop_interval). @default 5000 */
  maxIntervalMs?: number;
  /** After a failed send, try that entry again this much later. @default 5000 */
  retryDelayMs?: number;
}

/**
 * Celery beat: one process that sends each entry's task when it is due. Entries never seen before start their
 * first period when the beat first sees them (Celery's rule: `every(60)` first runs a minute after). An entry that
 * became due while no beat ran (one period or ten) is sent once on start. Sends are at most once per period as
 * far as the state file knows: last-run times are saved after each send, so a restart does not send again.
 */
export class Beat implements AsyncDisposable {
  readonly stateFile: string;
  private readonly app: App;
  private readonly entries: ValidEntry[];
  private readonly logger: Logger;
  private readonly now: () => number;
  private readonly maxIntervalMs: number;
  private readonly retryDelayMs: number;
  private readonly state = new Map<string, EntryState>();
  private readonly retryAt = new Map<string, number>();
  private readonly stopping = new AbortController();
  private lock: { release(): void } | undefined;
  private loop: Promise<void> | undefined;
  private closed: Promise<void> | undefined;
  private lastTick: Promise<unknown> = Promise.resolve();

  /** Validates every entry now: a bad schedule or option is a TQ_INVALID_CONFIG naming the entry. */
  constructor(options: BeatOptions) {
    this.app = options.app;
    const schedule = options.schedule ?? options.app.config.beatSchedule;
    if (!schedule) {
      throw new TqError(ErrorCodes.INVALID_CONFIG, 'beat has no schedule: set beatSchedule in createApp({ ... }) or pass schedule');
    }
    this.entries = Object.entries(schedule).map(([name, entry]) => validateEntry(options.app, name, entry));
    this.stateFile = resolve(options.stateFile ?? DEFAULT_STATE_FILE);
    this.logger = options.logger ?? consoleLogger();
    this.now = options.now ?? Date.now;
    this.maxIntervalMs = options.maxIntervalMs ?? 5000;
    this.retryDelayMs = options.retryDelayMs ?? 5000;
    options.signal?.addEventListener('abort', () => void this.close(), { once: true });
  }

  /** Takes the state file's lock, loads last-run times and starts sending due tasks in the background. */
  async start(): Promise<void> {
    if (this.closed) throw new TqError(ErrorCodes.CLOSED, 'this beat is closed');
    if (this.lock) return;
    this.lock = acquireStateLock(this.stateFile);
    try {
      this.loadState();
    } catch (error) {
      this.lock.release();
      this.lock = undefined;
      throw error;
    }
    if (this.entries.length === 0) this.logger.warn('beat: the schedule is empty');
    this.logger.info('beat: started', { entries: this.entries.length, stateFile: this.stateFile });
    this.loop = this.run();
  }

  /**
   * Sends every entry that is due now, saves the state and returns the milliseconds until the next entry is due.
   * `start()` calls it in a loop; call it yourself (with an injected clock) to drive a beat step by step.
   */
  tick(): Promise<number> {
    if (this.closed) return Promise.reject(new TqError(ErrorCodes.CLOSED, 'this beat is closed'));
    if (!this.lock) return Promise.reject(new TqError(ErrorCodes.INVALID_CONFIG, 'beat.tick() needs start() first'));
    // One tick at a time: two overlapping ticks would both see an entry due and send it twice.
    const next = this.lastTick.then(() => this.sendDue());
    this.lastTick = next.catch(() => undefined);
    return next;
  }

  private async sendDue(): Promise<number> {
    const now = this.now();
    let changed = false;
    for (const entry of this.entries) {
      const state = this.state.get(entry.name)!;
      if (entry.schedule.nextRunAfter(state.lastRunAt) > now || (this.retryAt.get(entry.name) ?? 0) > now) continue;
      try {
        const sent = await this.app.sendTask(entry.task, entry.args, entry.kwargs, { ...entry.options, signal: this.stopping.signal });
        this.state.set(entry.name, { lastRunAt: now, totalRunCount: state.totalRunCount + 1, schedule: entry.schedule.description });
        this.retryAt.delete(entry.name);
        changed = true;
        this.logger.info('beat: sent', { entry: entry.name, task: entry.task, id: sent.id });
      } catch (error) {
        if (this.stopping.signal.aborted) break;
        this.retryAt.set(entry.name, now + this.retryDelayMs);
        this.logger.error('beat: send failed, will try again', { entry: entry.name, task: entry.task, error: (error as Error).message });
      }
    }
    if (changed) writeState(this.stateFile, this.state);
    return this.millisecondsToNextRun();
  }

  /** Last-run time (epoch ms) and run count of an entry, as the state file has them. */
  entryState(name: string): Readonly<EntryState> | undefined {
    return this.state.get(name);
  }

  /** Stops sending, saves the state and releases the lock. Does not close the app (it is yours). */
  close(): Promise<void> {
    this.closed ??= (async () => {
      this.stopping.abort(new TqError(ErrorCodes.CLOSED, 'beat closed'));
      await this.loop;
      await this.lastTick;
      if (this.lock) {
        try {
          writeState(this.stateFile, this.state);
        } finally {
          this.lock.release();
        }
      }
      this.logger.info('beat: stopped');
    })();
    return this.closed;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  private loadState(): void {
    const saved = readState(this.stateFile);
    const now = this.now();
    for (const entry of this.entries) {
      const previous = saved.get(entry.name);
      if (previous && previous.schedule !== entry.schedule.description) {
        this.logger.info('beat: schedule changed, keeping the last run time', { entry: entry.name, was: previous.schedule, now: entry.schedule.description });
      }
      this.state.set(entry.name, previous ? { ...previous, schedule: entry.schedule.description } : { lastRunAt: now, totalRunCount: 0, schedule: entry.schedule.description });
    }
    writeState(this.stateFile, this.state);
  }

  private millisecondsToNextRun(): number {
    const now = this.now();
    let next = Number.POSITIVE_INFINITY;
    for (const entry of this.entries) {
      const due = Math.max(entry.schedule.nextRunAfter(this.state.get(entry.name)!.lastRunAt), this.retryAt.get(entry.name) ?? 0);
      next = Math.min(next, due);
    }
    return Math.max(0, next - now);
  }

  private async run(): Promise<void> {
    const { signal } = this.stopping;
    while (!signal.aborted) {
      let wait = this.retryDelayMs;
      try {
        wait = await this.tick();
      } catch (error) {
        if (signal.aborted) break;
        // Saving the state failed (disk full, permissions): keep the beat alive and say so.
        this.logger.error('beat: tick failed', { error: (error as Error).message });
      }
      try {
        await sleep(Math.min(wait, this.maxIntervalMs), signal);
      } catch {
        break;
      }
    }
  }
}

/** `await using beat = createBeat({ app })`; then `await beat.start()`. */
export function createBeat(options: BeatOptions): Beat {
  return new Beat(options);
}
