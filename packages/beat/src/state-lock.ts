import { closeSync, openSync, readFileSync, rmSync, statSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
import { ErrorCodes, TqError } from '@tq/core';

/** A lock file whose owner never wrote its pid (crashed between create and write) is stale after this long. */
const EMPTY_LOCK_STALE_MS = 10_000;

interface LockOwner {
  pid: number;
  hostname: string;
  startedAt: string;
}

/**
 * One beat per state file: two beats would send every task twice. The lock is `<stateFile>.lock`, created
 * exclusively and holding the owner's pid. A lock left by a dead process on this host is taken over; a live
 * owner, or one on another host (whose pid we cannot check), refuses the second beat with TQ_INVALID_CONFIG.
 */
export function acquireStateLock(stateFile: string): { path: string; release(): void } {
  const path = `${stateFile}.lock`;
  const me: LockOwner = { pid: process.pid, hostname: hostname(), startedAt: new Date().toISOString() };
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(path, 'wx');
      try {
        writeSync(fd, JSON.stringify(me));
      } finally {
        closeSync(fd);
      }
      let released = false;
      return {
        path,
        release() {
          if (released) return;
          released = true;
          if (readOwner(path)?.pid === me.pid) rmSync(path, { force: true });
        },
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const owner = readOwner(path);
    if (!isStale(path, owner)) {
      const who = owner ? `pid ${owner.pid} on ${owner.hostname}, since ${owner.startedAt}` : 'a process that is starting';
      throw new TqError(
        ErrorCodes.INVALID_CONFIG,
        `another beat is running on ${stateFile} (${who}); two beats would send every task twice. If it is gone, delete ${path}`,
        { details: { stateFile, lockFile: path, reason: 'state-file-locked', owner } },
      );
    }
    rmSync(path, { force: true });
  }
  throw new TqError(ErrorCodes.INVALID_CONFIG, `could not take the beat lock ${path}: another beat keeps taking it`, {
    details: { stateFile, lockFile: path, reason: 'state-file-locked' },
  });
}

function readOwner(path: string): LockOwner | undefined {
  try {
    const owner = JSON.parse(readFileSync(path, 'utf8'));
    return Number.isInteger(owner?.pid) ? owner : undefined;
  } catch {
    return undefined;
  }
}

function isStale(path: string, owner: LockOwner | undefined): boolean {
  if (!owner) {
    try {
      return Date.now() - statSync(path).mtimeMs > EMPTY_LOCK_STALE_MS;
    } catch {
      return true; // removed meanwhile
    }
  }
  if (owner.hostname !== hostname()) return false;
  return !isAlive(owner.pid);
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
