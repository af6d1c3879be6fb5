import { writeFileSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createBeat, crontab, every } from '../src/index.js';
import { manualClock, quiet, sandbox } from './helpers.js';

let box: ReturnType<typeof sandbox>;
beforeEach(() => {
  box = sandbox();
});
afterEach(async () => {
  await box.cleanup();
});

const pending = (app: ReturnType<typeof box.app>) => app.transport.size('celery');

describe('beat state across restarts', () => {
  it('starts an unseen entry’s first period at start (Celery’s rule) and sends once per period', async () => {
    const app = box.app();
    const clock = manualClock('2026-11-24T10:00:00Z');
    await using beat = createBeat({ app, schedule: { ping: { task: 'tasks.ping', schedule: every(60) } }, stateFile: box.stateFile, now: clock.now, ...quiet });
    await beat.start();
    expect(await beat.tick()).toBe(60_000);
    expect(await pending(app)).toBe(0);
    clock.advance(60_000);
    await beat.tick();
    clock.advance(1_000);
    await beat.tick();
    expect(await pending(app)).toBe(1);
    expect(beat.entryState('ping')).toMatchObject({ totalRunCount: 1, lastRunAt: Date.parse('2026-11-24T10:01:00Z') });
  });

  it('does not send again after a restart within the same period', async () => {
    const app = box.app();
    const clock = manualClock('2026-11-24T10:00:00Z');
    const schedule = {
      ping: { task: 'tasks.ping', schedule: every(60) },
      hourly: { task: 'tasks.report', schedule: crontab({ minute: 0 }) },
    };
    const first = createBeat({ app, schedule, stateFile: box.stateFile, now: clock.now, ...quiet });
    await first.start();
    clock.set('2026-11-24T11:00:00.300Z'); // both due
    await first.tick();
    await first.close();
    expect(await pending(app)).toBe(2);

    clock.set('2026-11-24T11:00:30Z'); // same minute for the crontab, 30 s into the 60 s period
    await using second = createBeat({ app, schedule, stateFile: box.stateFile, now: clock.now, ...quiet });
    await second.start();
    await second.tick();
    expect(await pending(app)).toBe(2);
    clock.set('2026-11-24T11:01:00.300Z'); // the interval is due again, the hourly crontab is not
    await second.tick();
    expect(await pending(app)).toBe(3);
    expect(second.entryState('hourly')?.totalRunCount).toBe(1);
  });

  it('sends an overdue entry once on start, not once per missed period', async () => {
    const app = box.app();
    const clock = manualClock('2026-11-24T10:00:00Z');
    const schedule = { ping: { task: 'tasks.ping', schedule: every(10) }, nightly: { task: 'tasks.nightly', schedule: crontab({ minute: 0, hour: 3 }) } };
    const first = createBeat({ app, schedule, stateFile: box.stateFile, now: clock.now, ...quiet });
    await first.start();
    await first.close();

    clock.set('2026-11-27T12:00:00Z'); // three days down: thousands of 10 s periods, three nightly runs missed
    await using second = createBeat({ app, schedule, stateFile: box.stateFile, now: clock.now, ...quiet });
    await second.start();
    await second.tick();
    await second.tick();
    expect(await pending(app)).toBe(2);
    expect(second.entryState('ping')?.totalRunCount).toBe(1);
    expect(second.entryState('nightly')?.totalRunCount).toBe(1);
  });

  it('refuses a second beat on the same state file, and allows one after the first closes', async () => {
    const app = box.app();
    const schedule = { ping: { task: 'tasks.ping', schedule: every(60) } };
    const first = createBeat({ app, schedule, stateFile: box.stateFile, ...quiet });
    await first.start();
    const second = createBeat({ app, schedule, stateFile: box.stateFile, ...quiet });
    await expect(second.start()).rejects.toMatchObject({
      code: 'TQ_INVALID_CONFIG',
      details: { reason: 'state-file-locked' },
      message: expect.stringContaining('another beat is running'),
    });
    await first.close();
    await second.start();
    await second.close();
  });

  it('takes over a lock left by a process that is gone', async () => {
    const { spawnSync } = await import('node:child_process');
    const gone = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
    const { hostname } = await import('node:os');
    writeFileSync(`${box.stateFile}.lock`, JSON.stringify({ pid: Number(gone.stdout), hostname: hostname(), startedAt: '2026-01-01T00:00:00Z' }));
    await using beat = createBeat({ app: box.app(), schedule: { ping: { task: 'tasks.ping', schedule: every(60) } }, stateFile: box.stateFile, ...quiet });
    await beat.start();
    expect(beat.entryState('ping')?.totalRunCount).toBe(0);
  });

  it('refuses a corrupt or foreign state file with a typed error, leaving the file alone', async () => {
    const schedule = { ping: { task: 'tasks.ping', schedule: every(60) } };
    for (const content of ['{ not json', JSON.stringify({ some: 'other file' }), JSON.stringify({ format: 'tq-beat-schedule', version: 99, entries: {} })]) {
      writeFileSync(box.stateFile, content);
      const beat = createBeat({ app: box.app(), schedule, stateFile: box.stateFile, ...quiet });
      await expect(beat.start()).rejects.toMatchObject({ code: 'TQ_INVALID_CONFIG', details: { reason: 'state-file-unreadable' } });
      await beat.close();
      const { readFileSync, existsSync } = await import('node:fs');
      expect(readFileSync(box.stateFile, 'utf8')).toBe(content);
      expect(existsSync(`${box.stateFile}.lock`)).toBe(false);
    }
  });
});

describe('schedule validation', () => {
  const bad: [string, Record<string, unknown>, RegExp][] = [
    ['a typo in an option', { queu: 'q' }, /options\.queu is not an option/],
    ['a non-string queue', { queue: 5 }, /options\.queue must be a non-empty string/],
    ['a priority out of range', { priority: 300 }, /options\.priority must be an integer 0-255/],
    ['negative expires', { expires: -1 }, /options\.expires must be a number of seconds/],
    ['an unknown serializer', { serializer: 'pickle' }, /options\.serializer must be a registered serializer/],
    ['a fixed task id', { taskId: 'x' }, /options\.taskId is not an option/],
  ];
  for (const [what, options, message] of bad) {
    it(`refuses ${what} with TQ_INVALID_CONFIG naming the entry`, () => {
      const app = box.app();
      expect(() => createBeat({ app, schedule: { report: { task: 'tasks.report', schedule: every(5), options } }, stateFile: box.stateFile, ...quiet })).toThrow(
        expect.objectContaining({ code: 'TQ_INVALID_CONFIG', message: expect.stringMatching(message), details: { entry: 'report' } }),
      );
    });
  }

  it('refuses entries without a task, with bad args, and a missing schedule', () => {
    const app = box.app();
    const make = (entry: unknown) => () => createBeat({ app, schedule: { e: entry as never }, stateFile: box.stateFile, ...quiet });
    expect(make({ schedule: every(1) })).toThrow(/task must be the task name/);
    expect(make({ task: 't', schedule: every(1), args: { a: 1 } })).toThrow(/args must be an array/);
    expect(make({ task: 't', schedule: 'often' })).toThrow(/schedule must be/);
    expect(() => createBeat({ app, stateFile: box.stateFile, ...quiet })).toThrow(expect.objectContaining({ code: 'TQ_INVALID_CONFIG', message: expect.stringContaining('no schedule') }));
  });

  it('reads the schedule from the app’s beatSchedule and sends with its options', async () => {
    const clock = manualClock('2026-11-24T10:00:00Z');
    const app = box.app({ beatSchedule: { tidy: { task: 'tasks.tidy', schedule: every(1), args: [1], kwargs: { deep: true }, options: { queue: 'maintenance', expires: 30 } } } });
    await using beat = createBeat({ app, stateFile: box.stateFile, now: clock.now, ...quiet });
    await beat.start();
    clock.advance(1_000);
    await beat.tick();
    expect(await app.transport.size('maintenance')).toBe(1);
  });
});
