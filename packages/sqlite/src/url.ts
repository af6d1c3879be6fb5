import { homedir } from 'node:os';
import { isAbsolute, resolve } from 'node:path';
import { ErrorCodes, TqError } from '@tq/core';

/** Where the database lives: a file (absolute path) or a private in-memory database. */
export type SqliteLocation = { kind: 'file'; filename: string } | { kind: 'memory' };

/** Settings that may be given as URL query parameters (same names as the options). */
export interface SqliteUrlSettings {
  visibilityTimeoutMs?: number;
  busyTimeoutMs?: number;
  minPollMs?: number;
  maxPollMs?: number;
  maxMessageBytes?: number;
  resultTtlMs?: number;
  sweepIntervalMs?: number;
  broadcastRetentionMs?: number;
  synchronous?: SqliteSynchronous;
}

export type SqliteSynchronous = 'OFF' | 'NORMAL' | 'FULL' | 'EXTRA';

export interface ParsedSqliteUrl {
  location: SqliteLocation;
  settings: SqliteUrlSettings;
}

const NUMERIC_SETTINGS = [
  'visibilityTimeoutMs',
  'busyTimeoutMs',
  'minPollMs',
  'maxPollMs',
  'maxMessageBytes',
  'resultTtlMs',
  'sweepIntervalMs',
  'broadcastRetentionMs',
] as const;
const SYNCHRONOUS_VALUES: readonly SqliteSynchronous[] = ['OFF', 'NORMAL', 'FULL', 'EXTRA'];

function invalid(url: string, why: string): TqError {
  return new TqError(ErrorCodes.INVALID_URL, `invalid sqlite URL "${url}": ${why}`, { details: { url } });
}

/**
 * Parses `sqlite:///abs/path/tq.db` (absolute), `sqlite://./relative.db` or `sqlite://relative.db` (relative to
 * the current directory), `sqlite://~/tq.db` (home directory) and `sqlite://:memory:` (a private in-memory
 * database, one per transport/backend instance). Query parameters carry settings named like the options
 * (`?visibilityTimeoutMs=60000&synchronous=FULL`). Anything else throws TqError TQ_INVALID_URL.
 */
export function parseSqliteUrl(url: string): ParsedSqliteUrl {
  if (typeof url !== 'string') throw invalid(String(url), 'expected a string');
  const match = /^sqlite:\/\/([^?#]*)(\?[^#]*)?(#.*)?$/i.exec(url.trim());
  if (!match) throw invalid(url, 'expected sqlite:///abs/path.db, sqlite://./relative.db or sqlite://:memory:');
  const [, rawPath = '', query = ''] = match;
  let path: string;
  try {
    path = decodeURIComponent(rawPath);
  } catch (cause) {
    throw new TqError(ErrorCodes.INVALID_URL, `invalid sqlite URL "${url}": bad percent-encoding in the path`, {
      cause,
      details: { url },
    });
  }
  return { location: parseLocation(url, path), settings: parseSettings(url, query) };
}

function parseLocation(url: string, path: string): SqliteLocation {
  if (path === ':memory:' || path === '/:memory:') return { kind: 'memory' };
  if (path === '' || path === '/') throw invalid(url, 'no database file named');
  if (path.endsWith('/')) throw invalid(url, 'the path names a directory, not a database file');
  if (path.includes('\0')) throw invalid(url, 'the path contains a NUL byte');
  if (path === '~' || path.startsWith('~/')) return { kind: 'file', filename: resolve(homedir(), path.slice(2)) };
  return { kind: 'file', filename: isAbsolute(path) ? resolve(path) : resolve(process.cwd(), path) };
}

function parseSettings(url: string, query: string): SqliteUrlSettings {
  const settings: SqliteUrlSettings = {};
  if (query.length <= 1) return settings;
  for (const [key, value] of new URLSearchParams(query.slice(1))) {
    if (key === 'synchronous') {
      const upper = value.toUpperCase() as SqliteSynchronous;
      if (!SYNCHRONOUS_VALUES.includes(upper))
        throw invalid(url, `synchronous must be one of ${SYNCHRONOUS_VALUES.join(', ')}`);
      settings.synchronous = upper;
      continue;
    }
    if (!(NUMERIC_SETTINGS as readonly string[]).includes(key)) {
      throw invalid(url, `unknown parameter "${key}" (known: ${[...NUMERIC_SETTINGS, 'synchronous'].join(', ')})`);
    }
    const number = Number(value);
    if (value === '' || !Number.isFinite(number) || number < 0)
      throw invalid(url, `${key} must be a non-negative number`);
    settings[key as (typeof NUMERIC_SETTINGS)[number]] = number;
  }
  return settings;
}
