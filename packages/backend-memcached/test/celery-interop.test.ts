import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { Backends, MEMCACHED_URL, memcachedUp, meta, uniqueName } from './helpers.js';
import { type PrivateMemcached, startPrivateMemcached } from './support/private-memcached.js';

/**
 * tq and Celery 5.2's own cache backend (python-memcached, as `result_backend = 'cache+memcached://...'`) reading
 * and writing the same keys, on one server and on two (where both must pick the same server for each key).
 * Skipped, loudly, without /usr/bin/python3 with celery and python-memcached (apt-get install python3-celery
 * python3-memcache); under CI=true that fails.
 */
const PYTHON = '/usr/bin/python3';
const script = fileURLToPath(new URL('./fixtures/celery_cache_backend.py', import.meta.url));

function celeryAvailable(): boolean {
  try {
    execFileSync(PYTHON, ['-c', 'import celery, memcache'], { stdio: 'ignore' });
    return true;
  } catch {
    const reason = `${PYTHON} with celery and python-memcached is not available`;
    if (process.env.CI === 'true') throw new Error(`${reason}; under CI=true this is a failure`);
    console.warn(
      `\n!!! SKIPPING Celery cache-backend interop tests: ${reason} (apt-get install python3-celery python3-memcache) !!!\n`,
    );
    return false;
  }
}

function celery(url: string, ...args: string[]): Record<string, unknown> {
  return JSON.parse(execFileSync(PYTHON, [script, url, ...args], { encoding: 'utf8' }));
}

describe.skipIf(!memcachedUp || !celeryAvailable())('Celery 5.2’s cache backend and tq share results', () => {
  const backends = new Backends();
  const second: PrivateMemcached[] = [];
  let twoServers = '';

  beforeAll(async () => {
    second.push(await startPrivateMemcached());
    twoServers = `memcached://127.0.0.1:11211;${second[0]!.url}`;
  });
  afterAll(async () => {
    await backends.closeAll();
    await Promise.all(second.map((server) => server.stop()));
  });

  for (const servers of ['one server', 'two servers'] as const) {
    const urlFor = () => (servers === 'one server' ? MEMCACHED_URL : twoServers);

    test(`${servers}: Celery reads a result tq stored (AsyncResult.get)`, async () => {
      const backend = backends.create({ url: urlFor(), keyPrefix: '' });
      const id = uniqueName('tq-to-celery');
      await backend.store(
        id,
        meta(id, 'SUCCESS', { total: 1732406400123, items: ['a', 'b'] }, { date_done: '2024-01-01T12:00:00.531000' }),
      );
      expect(celery(urlFor(), 'wait', id, '5')).toEqual({ value: { total: 1732406400123, items: ['a', 'b'] } });
      await backend.forget(id);
    });

    test(`${servers}: tq reads results Celery stored, success and failure`, async () => {
      const backend = backends.create({ url: urlFor(), keyPrefix: '' });
      const ok = uniqueName('celery-ok');
      const bad = uniqueName('celery-bad');
      celery(urlFor(), 'store', ok, JSON.stringify({ answer: 42 }));
      celery(urlFor(), 'fail', bad, 'nope');
      expect(await backend.waitFor(ok, { timeoutMs: 5000 })).toMatchObject({
        status: 'SUCCESS',
        result: { answer: 42 },
        task_id: ok,
      });
      expect(await backend.get(bad)).toMatchObject({
        status: 'FAILURE',
        result: { exc_type: 'ValueError', exc_message: ['nope'], exc_module: 'builtins' },
      });
      await backend.forget(ok);
      await backend.forget(bad);
    });
  }

  test('Celery never overwrites the SUCCESS tq stored, and tq never overwrites Celery’s', async () => {
    const backend = backends.create({ keyPrefix: '' });
    const id = uniqueName('success-kept');
    await backend.store(id, meta(id, 'SUCCESS', 'tq first'));
    celery(MEMCACHED_URL, 'fail', id, 'late');
    expect((await backend.get(id))?.result).toBe('tq first');
    const other = uniqueName('success-kept-py');
    celery(MEMCACHED_URL, 'store', other, '"python first"');
    await backend.store(
      other,
      meta(other, 'FAILURE', { exc_type: 'ValueError', exc_message: ['late'], exc_module: 'builtins' }),
    );
    expect(celery(MEMCACHED_URL, 'read', other)).toMatchObject({ status: 'SUCCESS', result: 'python first' });
    await backend.forget(id);
    await backend.forget(other);
  });

  test('the chord counter: tq’s setChordSize and parts, Celery’s incr, one count', async () => {
    const backend = backends.create({ keyPrefix: '' });
    const groupId = uniqueName('chord');
    await backend.setChordSize(groupId, 3);
    await backend.chordPartCompleted(groupId, { taskId: `${groupId}-0`, index: 0, state: 'SUCCESS', result: 0 });
    expect(celery(MEMCACHED_URL, 'incr', `chord-unlock-${groupId}`)).toEqual({ value: 2 });
  });

  test('with onTooLarge: store-failure, Celery raises the BackendStoreError tq stored in place of a huge result', async () => {
    const backend = backends.create({ keyPrefix: '', onTooLarge: 'store-failure' });
    const id = uniqueName('too-large');
    await backend.store(id, meta(id, 'SUCCESS', 'x'.repeat(1_100_000)));
    const outcome = celery(MEMCACHED_URL, 'wait', id, '5');
    expect(outcome.raised).toBe('BackendStoreError');
    expect(outcome.message).toMatch(/more than memcached's limit/);
    await backend.forget(id);
  });
});
