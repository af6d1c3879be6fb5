import { describe, expect, test } from 'vitest';
import { createApp, currentTask, ErrorCodes, Ignore, Reject, States, TaskFailedError, testMode, TqError } from '@tq/core';

function newApp() {
  return createApp({ name: 'test', broker: 'memory://', backend: null });
}

describe('tasks in test mode', () => {
  test('delay sends a typed call and get returns the value', async () => {
    const app = newApp();
    const add = app.task('t.add', (x: number, y: number) => x + y);
    await using tq = await testMode(app);
    const result = await add.delay(2, 3);
    await tq.runUntilIdle();
    expect(await result.get({ timeout: 5 })).toBe(5);
    expect(await result.state()).toBe(States.SUCCESS);
  });

  test('keyword arguments arrive as a trailing object; the request is visible through this and currentTask()', async () => {
    const app = newApp();
    const seen: unknown[] = [];
    const greet = app.task('t.greet', function (name: string, options?: { punctuation: string }) {
      seen.push(this.request.kwargs, currentTask().request.id);
      return `hello ${name}${options?.punctuation ?? ''}`;
    });
    await using tq = await testMode(app);
    const result = await greet.applyAsync(['ada'], { punctuation: '!' }, { taskId: 'fixed-id' });
    expect(result.id).toBe('fixed-id');
    expect(await result.get({ timeout: 5 })).toBe('hello ada!');
    expect(seen).toEqual([{ punctuation: '!' }, 'fixed-id']);
    await tq.runUntilIdle();
  });

  test('retry() re-sends with the same id and retries + 1 until it succeeds', async () => {
    const app = newApp();
    const attempts: Array<[string, number]> = [];
    const flaky = app.task(
      't.flaky',
      function () {
        attempts.push([this.request.id, this.request.retries]);
        if (this.request.retries < 2) throw this.retry({ countdown: 60 });
        return 'done';
      },
      { maxRetries: 3 },
    );
    await using tq = await testMode(app);
    const result = await flaky.delay();
    await tq.runUntilIdle();
    expect(await result.get({ timeout: 5 })).toBe('done');
    expect(attempts).toEqual([
      [result.id, 0],
      [result.id, 1],
      [result.id, 2],
    ]);
    await tq.runUntilIdle();
  });

  test('autoretryFor retries matching errors and fails with the original error when retries run out', async () => {
    const app = newApp();
    let calls = 0;
    const fetcher = app.task(
      't.fetch',
      () => {
        calls++;
        throw new TypeError('network down');
      },
      { autoretryFor: [TypeError], maxRetries: 2, retryBackoff: true, retryJitter: false },
    );
    await using tq = await testMode(app);
    const result = await fetcher.delay();
    await tq.runUntilIdle();
    const error = await result.get({ timeout: 5 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TaskFailedError);
    expect((error as TaskFailedError).excType).toBe('TypeError');
    expect((error as TaskFailedError).excMessage).toEqual(['network down']);
    expect(calls).toBe(3);
    await tq.runUntilIdle();
  });

  test('retry() with no retries left fails with MaxRetriesExceeded', async () => {
    const app = newApp();
    const stubborn = app.task('t.stubborn', function () {
      throw this.retry({ countdown: 1 });
    }, { maxRetries: 1 });
    await using tq = await testMode(app);
    const result = await stubborn.delay();
    await tq.runUntilIdle();
    const error = await result.get({ timeout: 5 }).catch((e: unknown) => e);
    expect((error as TaskFailedError).excType).toBe('MaxRetriesExceededError');
    await tq.runUntilIdle();
  });

  test('a failure comes back as TaskFailedError carrying excType, message and traceback', async () => {
    const app = newApp();
    const divide = app.task('t.divide', (x: number, y: number) => {
      if (y === 0) throw new RangeError('division by zero');
      return x / y;
    });
    await using tq = await testMode(app);
    const result = await divide.delay(1, 0);
    const error = (await result.get({ timeout: 5 }).catch((e: unknown) => e)) as TaskFailedError;
    expect(error.code).toBe(ErrorCodes.TASK_FAILED);
    expect(error.excType).toBe('RangeError');
    expect(error.traceback).toContain('division by zero');
    expect(await result.failed()).toBe(true);
    expect(await result.get({ propagate: false })).toMatchObject({ exc_type: 'RangeError' });
    await tq.runUntilIdle();
  });

  test('an expired task is REVOKED without running', async () => {
    const app = newApp();
    let ran = false;
    const late = app.task('t.late', () => {
      ran = true;
    });
    await using tq = await testMode(app);
    const result = await late.applyAsync([], null, { expires: new Date(Date.now() - 1000) });
    await tq.runUntilIdle();
    expect(await result.state()).toBe(States.REVOKED);
    expect(ran).toBe(false);
    await expect(result.get()).rejects.toMatchObject({ code: ErrorCodes.TASK_REVOKED });
  });

  test('the soft time limit aborts the task signal; the hard limit fails it with TimeLimitExceeded', async () => {
    const app = newApp();
    const waits = app.task('t.waits', async () => {
      const { signal } = currentTask();
      await new Promise((_, reject) => signal.addEventListener('abort', () => reject(signal.reason), { once: true }));
    });
    const spins = app.task('t.spins', () => new Promise(() => undefined));
    await using tq = await testMode(app);
    const soft = await waits.applyAsync([], null, { softTimeLimit: 0.05 });
    const hard = await spins.applyAsync([], null, { timeLimit: 0.05 });
    expect(((await soft.get({ timeout: 5 }).catch((e) => e)) as TaskFailedError).excType).toBe('SoftTimeLimitExceeded');
    expect(((await hard.get({ timeout: 5 }).catch((e) => e)) as TaskFailedError).excType).toBe('TimeLimitExceeded');
    await tq.runUntilIdle();
  });

  test('countdown delays the task (without fast-forward)', async () => {
    const app = newApp();
    const ranAt: number[] = [];
    const stamp = app.task('t.stamp', () => ranAt.push(Date.now()));
    await using tq = await testMode(app, { fastForward: false });
    const sentAt = Date.now();
    await stamp.applyAsync([], null, { countdown: 0.3 }).get({ timeout: 5 });
    expect(ranAt[0]! - sentAt).toBeGreaterThanOrEqual(290);
    await tq.runUntilIdle();
  });

  test('Ignore stores nothing; Reject without requeue dead-letters the message', async () => {
    const app = newApp();
    const ignored = app.task('t.ignored', () => {
      throw new Ignore();
    });
    const rejected = app.task('t.rejected', () => {
      throw new Reject('bad payload', false);
    });
    await using tq = await testMode(app);
    const first = await ignored.delay();
    const second = await rejected.delay();
    await tq.runUntilIdle();
    expect(await first.state()).toBe(States.PENDING);
    expect(await second.state()).toBe(States.PENDING);
    expect(await tq.transport.size('celery.dead')).toBe(1);
  });

  test('trackStarted stores STARTED with the pid and hostname while the task runs', async () => {
    const app = newApp();
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const slow = app.task('t.slow', () => gate, { trackStarted: true });
    await using tq = await testMode(app);
    const result = await slow.delay();
    await expect.poll(() => result.state(), { timeout: 5000 }).toBe(States.STARTED);
    expect(await result.result()).toMatchObject({ pid: process.pid });
    release();
    await tq.runUntilIdle();
    expect(await result.state()).toBe(States.SUCCESS);
  });

  test('ignoreResult stores nothing and get() refuses to wait', async () => {
    const app = newApp();
    const fire = app.task('t.fire', () => 1, { ignoreResult: true });
    await using tq = await testMode(app);
    const result = await fire.delay();
    await tq.runUntilIdle();
    expect(await result.state()).toBe(States.PENDING);
    await expect(result.get()).rejects.toMatchObject({ code: ErrorCodes.INVALID_CONFIG });
  });

  test('get() times out with TQ_TIMEOUT when nothing runs the task', async () => {
    const app = newApp();
    const nobody = app.task('t.nobody', () => 1, { queue: 'unconsumed' });
    await using _tq = await testMode(app);
    const error = await nobody.delay().get({ timeout: 0.1 }).catch((e: unknown) => e);
    expect(TqError.is(error, ErrorCodes.TIMEOUT)).toBe(true);
  });

  test('routes send tasks to the queue they name', async () => {
    const app = createApp({ broker: 'memory://', backend: null, routes: { 'mail.*': { queue: 'mail' } } });
    const send = app.task('mail.send', () => 'sent');
    await using tq = await testMode(app);
    await send.delay();
    expect(await tq.transport.size('mail')).toBe(1);
    await tq.transport.purge('mail');
  });
});
