import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createApp, type Logger } from '@tq/core';
import { sqliteAdapter } from '@tq/sqlite';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { createBeat, every } from '../src/index.js';
import { manualClock, sandbox } from './helpers.js';

let box: ReturnType<typeof sandbox>;
beforeEach(() => {
  box = sandbox();
});
afterEach(async () => {
  await box.cleanup();
});

it('a failed send is logged, not recorded as a run, and tried again after retryDelayMs', async () => {
  // The broker file's directory is a plain file at first, so the first send fails for real (ENOTDIR).
  const brokerDir = join(box.dir, 'later');
  writeFileSync(brokerDir, 'not a directory');
  const app = createApp({ broker: `sqlite://${join(brokerDir, 'broker.db')}`, adapters: [sqliteAdapter] });
  const errors: string[] = [];
  const logger: Logger = { debug() {}, info() {}, warn() {}, error: (message) => void errors.push(message) };
  const clock = manualClock('2026-11-24T10:00:00Z');
  try {
    await using beat = createBeat({ app, schedule: { ping: { task: 'tasks.ping', schedule: every(1) } }, stateFile: box.stateFile, now: clock.now, logger, retryDelayMs: 10_000 });
    await beat.start();
    clock.advance(1_000);
    expect(await beat.tick()).toBe(10_000);
    expect(errors).toEqual(['beat: send failed, will try again']);
    expect(beat.entryState('ping')?.totalRunCount).toBe(0);

    rmSync(brokerDir);
    clock.advance(5_000);
    await beat.tick(); // still waiting out the retry delay
    expect(beat.entryState('ping')?.totalRunCount).toBe(0);
    clock.advance(5_000);
    await beat.tick();
    expect(beat.entryState('ping')?.totalRunCount).toBe(1);
    expect(await app.transport.size('celery')).toBe(1);
  } finally {
    await app.close();
  }
});
