import { existsSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { ErrorCodes, TqError } from '@tq/core';

/** What beat remembers per entry across restarts (Celery's celerybeat-schedule). */
export interface EntryState {
  /** Epoch ms of the last send, or of the moment beat first saw the entry (the anchor of its first period). */
  lastRunAt: number;
  totalRunCount: number;
  /** The schedule's description when last run: a changed schedule is noticed in the log. */
  schedule: string;
}

const FORMAT = 'tq-beat-schedule';
const VERSION = 1;

interface StateDocument {
  format: typeof FORMAT;
  version: number;
  entries: Record<string, { lastRunAt: string; totalRunCount: number; schedule: string }>;
}

/**
 * Reads the state file; a missing file is an empty state. A file that is not ours (corrupt JSON, another format,
 * a newer version) is refused with TQ_INVALID_CONFIG rather than overwritten: it may be something the user needs.
 */
export function readState(path: string): Map<string, EntryState> {
  const entries = new Map<string, EntryState>();
  if (!existsSync(path)) return entries;
  const refuse = (why: string, cause?: unknown): never => {
    throw new TqError(
      ErrorCodes.INVALID_CONFIG,
      `beat state file ${path} ${why}; move it away or delete it (beat then starts afresh), or choose another file with --schedule`,
      { cause, details: { stateFile: path, reason: 'state-file-unreadable' } },
    );
  };
  let document: StateDocument;
  try {
    document = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    return refuse('is not valid JSON (corrupt, or not a tq beat state file)', error);
  }
  if (typeof document !== 'object' || document === null || document.format !== FORMAT) return refuse(`is not a tq beat state file (no "format": "${FORMAT}")`);
  if (document.version !== VERSION) return refuse(`has version ${String(document.version)}, this beat reads version ${VERSION}`);
  if (typeof document.entries !== 'object' || document.entries === null) return refuse('has no entries object');
  for (const [name, saved] of Object.entries(document.entries)) {
    const lastRunAt = Date.parse(saved?.lastRunAt);
    if (!Number.isFinite(lastRunAt)) return refuse(`has an invalid lastRunAt for entry '${name}'`);
    entries.set(name, { lastRunAt, totalRunCount: Number(saved.totalRunCount) || 0, schedule: String(saved.schedule ?? '') });
  }
  return entries;
}

/** Writes the state atomically: a temp file beside it, then a rename, so a crash never leaves half a file. */
export function writeState(path: string, entries: ReadonlyMap<string, EntryState>): void {
  const document: StateDocument = { format: FORMAT, version: VERSION, entries: {} };
  for (const [name, state] of entries) {
    document.entries[name] = { lastRunAt: new Date(state.lastRunAt).toISOString(), totalRunCount: state.totalRunCount, schedule: state.schedule };
  }
  const temporary = `${path}.${process.pid}.tmp`;
  try {
    writeFileSync(temporary, `${JSON.stringify(document, null, 2)}\n`);
    renameSync(temporary, path);
  } catch (error) {
    rmSync(temporary, { force: true });
    throw error;
  }
}
