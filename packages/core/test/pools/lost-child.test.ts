import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { createWorker, memoryBackend, memoryTransport, States } from '@tq/core';
import { app } from './fixtures/tasks.js';
import { isAlive, eventually, recordingLogger, tasksModule } from './helpers.js';

const scratch = mkdtempSync(join(tmpdir(), 'tq-lost-child-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe('a child killed mid-task', () => {
  test('prefork: SIGKILL during a task gives lost; the worker requeues it and a replacement child completes it', async () => {
    const marker = join(scratch, 'attempt-1.pid');
    const transport = memoryTransport();
    const backend = memoryBackend();
    const { logger, records } = recordingLogger();
    const pids: number[] = [];
    const worker = createWorker({ app, transport, backend, pool: 'prefork', concurrency: 1, appModule: tasksModule, logger, queues: ['lost-child'] });
    try {
      await worker.start();
      const sent = await app.sendTask('t.killMeOnce', [marker], {}, { queue: 'lost-child' });

      await eventually('the first attempt wrote its pid', () => existsSync(marker) && readFileSync(marker, 'utf8').length > 0);
      const victim = Number(readFileSync(marker, 'utf8'));
      expect(isAlive(victim)).toBe(true);
      process.kill(victim, 'SIGKILL');

      const value = (await sent.get({ timeout: 30 })) as { killed: number; ranOn: number };
      expect(value.killed).toBe(victim);
      expect(value.ranOn).not.toBe(victim);
      pids.push(victim, value.ranOn);
      expect(await sent.state()).toBe(States.SUCCESS);
      const requeued = records.find((record) => record.level === 'error' && /lost its worker; handing it back/.test(record.message));
      expect(requeued, JSON.stringify(records)).toBeDefined();
      expect(String(requeued?.fields?.error)).toMatch(/killed by SIGKILL/);
    } finally {
      await worker.close();
    }
    expect(pids.filter(isAlive)).toEqual([]);
  });
});
