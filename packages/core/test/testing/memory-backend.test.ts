import { afterEach, describe, expect, test, vi } from 'vitest';
import { ErrorCodes, memoryBackend, type ResultMeta } from '../../src/index.js';

afterEach(() => {
  vi.useRealTimers();
});

function success(taskId: string, result: unknown): ResultMeta {
  return { status: 'SUCCESS', result, traceback: null, children: [], date_done: null, task_id: taskId };
}

describe('memory result backend', () => {
  test('values are copies: changing the input or the output does not change what is stored', async () => {
    const backend = memoryBackend();
    const meta = success('t', { list: [1] });
    await backend.store('t', meta);
    (meta.result as { list: number[] }).list.push(2);
    const got = await backend.get('t');
    expect(got!.result).toEqual({ list: [1] });
    (got!.result as { list: number[] }).list.push(3);
    expect((await backend.get('t'))!.result).toEqual({ list: [1] });
  });

  test('results live one day by default; ttlMs Infinity keeps them', async () => {
    vi.useFakeTimers();
    const backend = memoryBackend();
    await backend.store('default', success('default', 1));
    await backend.store('forever', success('forever', 2), { ttlMs: Number.POSITIVE_INFINITY });
    vi.advanceTimersByTime(24 * 60 * 60 * 1000 - 1);
    expect(await backend.get('default')).toBeDefined();
    vi.advanceTimersByTime(1);
    expect(await backend.get('default')).toBeUndefined();
    vi.advanceTimersByTime(10 * 365 * 24 * 60 * 60 * 1000);
    expect((await backend.get('forever'))!.result).toBe(2);
  });

  test('a chord part reported twice (a redelivered task) counts once', async () => {
    const backend = memoryBackend();
    await backend.setChordSize('g', 2);
    const part = { taskId: 'p0', index: 0, state: 'SUCCESS', result: 'first' };
    expect(await backend.chordPartCompleted('g', part)).toEqual({ complete: false });
    expect(await backend.chordPartCompleted('g', { ...part, result: 'again' })).toEqual({ complete: false });
    const done = await backend.chordPartCompleted('g', { taskId: 'p1', index: 1, state: 'SUCCESS', result: 'second' });
    expect(done).toEqual({
      complete: true,
      parts: [
        { ...part, result: 'again' },
        { taskId: 'p1', index: 1, state: 'SUCCESS', result: 'second' },
      ],
    });
  });

  test('refusals carry stable codes', async () => {
    const backend = memoryBackend({ maxValueBytes: 100 });
    const part = { taskId: 'p', index: 0, state: 'SUCCESS', result: null };
    await expect(backend.chordPartCompleted('no-size', part)).rejects.toMatchObject({ code: ErrorCodes.INVALID_CONFIG });
    await expect(backend.store('t', success('t', 'x'.repeat(200)))).rejects.toMatchObject({
      code: ErrorCodes.MESSAGE_TOO_LARGE,
    });
    await expect(backend.store('t', success('t', () => 1))).rejects.toMatchObject({ code: ErrorCodes.ENCODE });
    await expect(backend.store('t', success('t', 1), { ttlMs: 0 })).rejects.toMatchObject({
      code: ErrorCodes.INVALID_CONFIG,
    });
    expect(() => memoryBackend({ defaultTtlMs: -5 })).toThrow(/defaultTtlMs/);
  });

  test('waitFor with timeoutMs reports the task and the wait in details', async () => {
    const backend = memoryBackend();
    await expect(backend.waitFor('slow', { timeoutMs: 10 })).rejects.toMatchObject({
      code: ErrorCodes.TIMEOUT,
      retryable: true,
      details: { taskId: 'slow', timeoutMs: 10 },
    });
  });
});
