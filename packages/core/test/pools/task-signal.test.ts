import { describe, expect, test } from 'vitest';
import { LazyTaskSignal } from '../../src/pools/task-signal.js';

describe('LazyTaskSignal (a task signal created on first read)', () => {
  test('an abort before the first read is seen by a late reader, with its reason', () => {
    const lazy = new LazyTaskSignal(undefined);
    const reason = new Error('soft limit');
    lazy.abort(reason);
    expect(lazy.signal.aborted).toBe(true);
    expect(lazy.signal.reason).toBe(reason);
  });

  test('an abort after the first read fires the signal once; later aborts keep the first reason', () => {
    const lazy = new LazyTaskSignal(undefined);
    const signal = lazy.signal;
    let fired = 0;
    signal.addEventListener('abort', () => fired++);
    lazy.abort('first');
    lazy.abort('second');
    expect(fired).toBe(1);
    expect(signal.reason).toBe('first');
  });

  test('the outer signal reaches a reader whether it aborted before or after the read', () => {
    const before = new AbortController();
    before.abort('cold shutdown');
    expect(new LazyTaskSignal(before.signal).signal.reason).toBe('cold shutdown');

    const after = new AbortController();
    const lazy = new LazyTaskSignal(after.signal);
    const signal = lazy.signal;
    after.abort('revoked');
    expect(signal.aborted).toBe(true);
    expect(signal.reason).toBe('revoked');
  });

  test('a task that never reads its signal adds no listener to the outer one; dispose removes a reader\'s', () => {
    const outer = new AbortController();
    const unread = new LazyTaskSignal(outer.signal);
    unread.dispose();
    const read = new LazyTaskSignal(outer.signal);
    const signal = read.signal;
    read.dispose();
    outer.abort('late');
    expect(signal.aborted).toBe(false);
  });
});
