import type { ResultMeta } from '@tq/core';
import { ErrorCodes, TqError } from '@tq/core';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { type SqliteResultBackend, sqliteBackend } from '../src/index.js';
import { tempDatabase } from './helpers.js';

let db: ReturnType<typeof tempDatabase>;
const open: SqliteResultBackend[] = [];

function backend(options: Parameters<typeof sqliteBackend>[1] = {}): SqliteResultBackend {
  const created = sqliteBackend(db.url, options);
  open.push(created);
  return created;
}

function meta(taskId: string, status: string, result: unknown = null): ResultMeta {
  return { status, result, traceback: null, children: [], date_done: new Date().toISOString(), task_id: taskId };
}

beforeEach(() => {
  db = tempDatabase();
});

afterEach(async () => {
  for (const created of open.splice(0)) await created.close();
  db.cleanup();
});

describe('results', () => {
  test('store and get Celery meta; unknown ids are undefined', async () => {
    const b = backend();
    const stored = {
      ...meta('t1', 'SUCCESS', { sum: 3, list: [1, 'a'] }),
      name: 'tasks.add',
      args: [1, 2],
      kwargs: {},
    };
    await b.store('t1', stored);
    expect(await b.get('t1')).toEqual(stored);
    expect(await b.get('missing')).toBeUndefined();
  });

  test('never overwrites SUCCESS, but overwrites other states', async () => {
    const b = backend();
    await b.store('t', meta('t', 'STARTED'));
    await b.store('t', meta('t', 'SUCCESS', 1));
    await b.store('t', meta('t', 'FAILURE', 'late'));
    await b.store('t', meta('t', 'STARTED'));
    expect((await b.get('t'))?.status).toBe('SUCCESS');
    expect((await b.get('t'))?.result).toBe(1);
  });

  test('results expire after ttlMs (default from options), and forget deletes', async () => {
    const b = backend({ resultTtlMs: 60 });
    await b.store('short', meta('short', 'SUCCESS'));
    await b.store('long', meta('long', 'SUCCESS'), { ttlMs: 60_000 });
    await b.store('forever', meta('forever', 'SUCCESS'), { ttlMs: Number.POSITIVE_INFINITY });
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(await b.get('short')).toBeUndefined();
    expect(await b.get('long')).toBeDefined();
    expect(await b.get('forever')).toBeDefined();
    // An expired SUCCESS may be replaced.
    await b.store('short', meta('short', 'FAILURE'));
    expect((await b.get('short'))?.status).toBe('FAILURE');
    await b.forget('long');
    expect(await b.get('long')).toBeUndefined();
  });

  test('values that are not JSON are refused with TQ_ENCODE', async () => {
    const b = backend();
    await expect(b.store('t', meta('t', 'SUCCESS', 10n))).rejects.toSatisfy((e) => TqError.is(e, ErrorCodes.ENCODE));
  });
});

describe('waitFor', () => {
  test('resolves once a ready state is stored (same process: woken at once)', async () => {
    const b = backend({ minPollMs: 1000, maxPollMs: 1000 });
    const waiting = b.waitFor('t');
    await b.store('t', meta('t', 'STARTED'));
    setTimeout(() => void b.store('t', meta('t', 'SUCCESS', 42)), 30);
    const started = Date.now();
    const result = await waiting;
    expect(result.result).toBe(42);
    expect(Date.now() - started).toBeLessThan(800);
  });

  test('sees a result written by another backend instance on another connection (polling)', async () => {
    const waiter = backend({ maxPollMs: 20 });
    // A :memory: database cannot be shared, so use a second process-independent connection: the raw driver.
    const { default: Database } = await import('better-sqlite3');
    const raw = new Database(db.file);
    const waiting = waiter.waitFor('x', { timeoutMs: 3000 });
    await new Promise((resolve) => setTimeout(resolve, 50));
    raw
      .prepare('INSERT INTO tq_results (task_id, status, meta, expires_at) VALUES (?, ?, ?, NULL)')
      .run('x', 'FAILURE', JSON.stringify(meta('x', 'FAILURE', { exc_type: 'ValueError', exc_message: ['no'] })));
    raw.close();
    expect((await waiting).status).toBe('FAILURE');
  });

  test('times out with TQ_TIMEOUT and aborts with TQ_ABORTED', async () => {
    const b = backend();
    await expect(b.waitFor('never', { timeoutMs: 50 })).rejects.toSatisfy((e) => TqError.is(e, ErrorCodes.TIMEOUT));
    const controller = new AbortController();
    const waiting = b.waitFor('never', { signal: controller.signal });
    setTimeout(() => controller.abort(), 20);
    await expect(waiting).rejects.toSatisfy((e) => TqError.is(e, ErrorCodes.ABORTED));
  });

  test('close ends waiters with TQ_CLOSED and is idempotent', async () => {
    const b = backend();
    const waiting = b.waitFor('never');
    await b.close();
    await b.close();
    await expect(waiting).rejects.toSatisfy((e) => TqError.is(e, ErrorCodes.CLOSED));
    await expect(b.get('x')).rejects.toSatisfy((e) => TqError.is(e, ErrorCodes.CLOSED));
  });
});

describe('groups and chords', () => {
  test('save, restore and forget a group', async () => {
    const b = backend();
    const group = {
      group_id: 'g',
      result: [
        ['g', null],
        [
          [['c1', null], null],
          [['c2', null], null],
        ],
      ],
    };
    await b.saveGroup('g', group);
    expect(await b.getGroup('g')).toEqual(group);
    await b.forgetGroup('g');
    expect(await b.getGroup('g')).toBeUndefined();
  });

  test('exactly one of many racing parts sees the chord complete, with parts ordered by index', async () => {
    const a = backend();
    const b = sqliteBackend(db.url);
    open.push(b);
    await a.setChordSize('chord', 20);
    const order = Array.from({ length: 20 }, (_, i) => (i * 7) % 20);
    const outcomes = await Promise.all(
      order.map((index) =>
        (index % 2 ? a : b).chordPartCompleted('chord', {
          taskId: `t${index}`,
          index,
          state: 'SUCCESS',
          result: index * 10,
        }),
      ),
    );
    const complete = outcomes.filter((o) => o.complete);
    expect(complete).toHaveLength(1);
    const parts = complete[0]!.complete ? complete[0]!.parts : [];
    expect(parts.map((p) => p.index)).toEqual(Array.from({ length: 20 }, (_, i) => i));
    expect(parts.map((p) => p.result)).toEqual(Array.from({ length: 20 }, (_, i) => i * 10));
    // A part delivered again after completion cannot complete it twice.
    const again = await a.chordPartCompleted(
      'chord',
      { taskId: 't3', index: 3, state: 'SUCCESS', result: 30 },
      { size: 20 },
    );
    expect(again.complete).toBe(false);
  });

  test('a redelivered part is counted once; size may come with the part', async () => {
    const b = backend();
    const part = (i: number) => ({ taskId: `p${i}`, index: i, state: 'SUCCESS', result: i });
    expect((await b.chordPartCompleted('c', part(1), { size: 2 })).complete).toBe(false);
    expect((await b.chordPartCompleted('c', part(1), { size: 2 })).complete).toBe(false);
    const done = await b.chordPartCompleted('c', part(0), { size: 2 });
    expect(done).toEqual({ complete: true, parts: [part(0), part(1)] });
  });

  test('a chord with no known size is a configuration error', async () => {
    const b = backend();
    await expect(
      b.chordPartCompleted('nosize', { taskId: 't', index: 0, state: 'SUCCESS', result: 1 }),
    ).rejects.toSatisfy((e) => TqError.is(e, ErrorCodes.INVALID_CONFIG));
  });
});
