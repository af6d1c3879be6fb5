import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { ErrorCodes, TqError } from '@tq/core';
import { describe, expect, test } from 'vitest';
import { parseSqliteUrl, sqliteBackend, sqliteTransport } from '../src/index.js';

function expectInvalid(url: string): TqError {
  try {
    parseSqliteUrl(url);
  } catch (error) {
    expect(TqError.is(error, ErrorCodes.INVALID_URL)).toBe(true);
    expect((error as Error).message).not.toContain('\n');
    return error as TqError;
  }
  throw new Error(`expected ${url} to be refused`);
}

describe('parseSqliteUrl', () => {
  test('three slashes give an absolute path', () => {
    expect(parseSqliteUrl('sqlite:///var/lib/tq/tq.db').location).toEqual({
      kind: 'file',
      filename: '/var/lib/tq/tq.db',
    });
  });

  test('relative paths resolve against the current directory', () => {
    expect(parseSqliteUrl('sqlite://./data/tq.db').location).toEqual({ kind: 'file', filename: resolve('data/tq.db') });
    expect(parseSqliteUrl('sqlite://tq.db').location).toEqual({ kind: 'file', filename: resolve('tq.db') });
    expect(parseSqliteUrl('sqlite://../up.db').location).toEqual({ kind: 'file', filename: resolve('..', 'up.db') });
  });

  test('~ means the home directory', () => {
    expect(parseSqliteUrl('sqlite://~/tq.db').location).toEqual({ kind: 'file', filename: join(homedir(), 'tq.db') });
  });

  test(':memory: gives a private in-memory database', () => {
    expect(parseSqliteUrl('sqlite://:memory:').location).toEqual({ kind: 'memory' });
    expect(parseSqliteUrl('sqlite:///:memory:').location).toEqual({ kind: 'memory' });
  });

  test('percent-encoded paths are decoded; the scheme is case-insensitive', () => {
    expect(parseSqliteUrl('SQLITE:///tmp/my%20queue.db').location).toEqual({
      kind: 'file',
      filename: '/tmp/my queue.db',
    });
  });

  test('query parameters carry settings', () => {
    const parsed = parseSqliteUrl('sqlite:///tmp/tq.db?visibilityTimeoutMs=60000&synchronous=full&maxPollMs=50');
    expect(parsed.settings).toEqual({ visibilityTimeoutMs: 60000, synchronous: 'FULL', maxPollMs: 50 });
  });

  test('broken URLs are refused with TQ_INVALID_URL and a one-line message', () => {
    for (const url of [
      'redis://localhost',
      'sqlite:',
      'sqlite:/tmp/x.db',
      'sqlite://',
      'sqlite:///',
      'sqlite:///tmp/dir/',
      'sqlite:///tmp/%zz.db',
      'sqlite:///tmp/x.db?bogus=1',
      'sqlite:///tmp/x.db?maxPollMs=fast',
      'sqlite:///tmp/x.db?maxPollMs=-1',
      'sqlite:///tmp/x.db?synchronous=sometimes',
      '',
    ]) {
      const error = expectInvalid(url);
      expect(error.message).toContain('sqlite URL');
    }
  });

  test('the factories parse the URL at once', () => {
    expect(() => sqliteTransport('sqlite:/nope')).toThrow(/invalid sqlite URL/);
    expect(() => sqliteBackend('postgres://x')).toThrow(/invalid sqlite URL/);
    const transport = sqliteTransport('sqlite://:memory:', { visibilityTimeoutMs: 1000 });
    expect(transport.options.visibilityTimeoutMs).toBe(1000);
    expect(transport.capabilities.multiProcess).toBe(false);
    expect(Object.isFrozen(transport.capabilities)).toBe(true);
  });

  test('options override URL settings', () => {
    const transport = sqliteTransport({ url: 'sqlite:///tmp/x.db?visibilityTimeoutMs=5', visibilityTimeoutMs: 7 });
    expect(transport.options.visibilityTimeoutMs).toBe(7);
    expect(transport.capabilities.durable).toBe(true);
  });
});
