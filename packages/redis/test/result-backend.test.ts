import { ErrorCodes } from '@tq/core';
import { afterAll, describe, expect, test } from 'vitest';
import { RedisResultBackend } from '../src/index.js';
import { dropPrefix, rawClient, REDIS_URL, redisUp, sleep, uniquePrefix, waitUntil } from './helpers.js';

const prefixes: string[] = [];
const client = redisUp ? rawClient() : undefined;

function backend(label: string, keyPrefix?: string) {
  const prefix = keyPrefix ?? uniquePrefix(label);
  prefixes.push(prefix);
  return new RedisResultBackend({ url: REDIS_URL, keyPrefix: prefix });
}

const success = (id: string, result: unknown) => ({
  status: 'SUCCESS',
  result,
  traceback: null,
  children: [],
  date_done: '2026-01-01T00:00:00.000000',
  task_id: id,
});

afterAll(async () => {
  if (!client) return;
  for (const prefix of prefixes) await dropPrefix(client, prefix);
  client.disconnect();
});

describe.skipIf(!redisUp)('Redis result backend: Celery’s keys and values', () => {
  test('store writes celery-task-meta-<id> with a one-day expiry and PUBLISHes it on the key’s channel', async () => {
    const results = backend('meta');
    const listener = rawClient();
    const published: string[] = [];
    listener.on('message', (_channel: string, payload: string) => published.push(payload));
    await listener.subscribe(results.taskKey('t1'));
    try {
      await results.store('t1', success('t1', { answer: 42 }));
      const raw = await client!.get(results.taskKey('t1'));
      expect(JSON.parse(raw!)).toEqual(success('t1', { answer: 42 }));
      const ttl = await client!.pttl(results.taskKey('t1'));
      expect(ttl).toBeGreaterThan(86_000_000);
      expect(ttl).toBeLessThanOrEqual(86_400_000);
      await waitUntil('the PUBLISH arrives', () => published.length === 1);
      expect(published[0]).toBe(raw);
    } finally {
      listener.disconnect();
      await results.close();
    }
  });

  test('keyPrefix follows Celery’s global_keyprefix rule: "_" is added unless it ends in one of :_-.', async () => {
    const base = uniquePrefix('kp').slice(0, -1);
    const plain = backend('kp', base);
    const colon = backend('kp', `${base}:`);
    prefixes.push(`${base}_`);
    try {
      expect(plain.taskKey('x')).toBe(`${base}_celery-task-meta-x`);
      expect(colon.taskKey('x')).toBe(`${base}:celery-task-meta-x`);
      expect(colon.groupKey('g', '.j')).toBe(`${base}:celery-taskset-meta-g.j`);
    } finally {
      await plain.close();
      await colon.close();
    }
  });

  test('all waits of a backend share one subscriber connection, and each key is unsubscribed once settled', async () => {
    const results = backend('waits');
    const ids = Array.from({ length: 50 }, (_, i) => `w${i}`);
    try {
      const waits = ids.map((id) => results.waitFor(id, { timeoutMs: 10_000 }));
      const timedOut = results.waitFor('never', { timeoutMs: 300 }).catch((error: unknown) => error);
      await waitUntil('the subscriptions are made', async () => {
        const counts = (await client!.call('PUBSUB', 'NUMSUB', results.taskKey('w0'), results.taskKey('w49'))) as (string | number)[];
        return Number(counts[1]) === 1 && Number(counts[3]) === 1;
      });
      const clients = String(await client!.call('CLIENT', 'LIST', 'TYPE', 'pubsub'))
        .split('\n')
        .filter((line) => line.includes('name=tq:results'));
      expect(clients.length).toBeGreaterThanOrEqual(1);
      expect(results.pendingWaits).toBe(51);
      for (const id of ids) await results.store(id, success(id, id));
      const metas = await Promise.all(waits);
      expect(metas.map((meta) => meta.result)).toEqual(ids);
      expect(await timedOut).toMatchObject({ code: ErrorCodes.TIMEOUT });
      expect(results.pendingWaits).toBe(0);
      await waitUntil('every key is unsubscribed', async () => {
        const counts = (await client!.call('PUBSUB', 'NUMSUB', ...ids.map((id) => results.taskKey(id)), results.taskKey('never'))) as (string | number)[];
        return counts.filter((_, i) => i % 2 === 1).every((count) => Number(count) === 0);
      });
    } finally {
      await results.close();
    }
  });

  test('saveGroup writes Celery’s {"result": [...]} under celery-taskset-meta-<gid>', async () => {
    const results = backend('group');
    try {
      const tuple = [['g1', null], [[['c1', null], null], [['c2', null], null]]];
      await results.saveGroup('g1', { group_id: 'g1', result: tuple });
      expect(JSON.parse((await client!.get(results.groupKey('g1')))!)).toEqual({ result: tuple });
      expect(await results.getGroup('g1')).toEqual({ group_id: 'g1', result: tuple, date_done: null });
    } finally {
      await results.close();
    }
  });

  test('chord keys: .s is the bare size, .j members are [1, id, state, result] as Python’s json.dumps writes them', async () => {
    const results = backend('chord');
    try {
      await results.setChordSize('c1', 3);
      expect(await client!.get(results.groupKey('c1', '.s'))).toBe('3');
      await results.chordPartCompleted('c1', { taskId: 'p0', index: 0, state: 'SUCCESS', result: { n: 'é' } });
      expect(await client!.zrange(results.groupKey('c1', '.j'), '0', '-1', 'WITHSCORES')).toEqual(['[1, "p0", "SUCCESS", {"n": "\\u00e9"}]', '0']);
      // A part a Celery worker wrote, with Celery's +inf score for a missing group_index.
      await client!.zadd(results.groupKey('c1', '.j'), '+inf', '[1, "py", "SUCCESS", [1, 2]]');
      const progress = await results.chordPartCompleted('c1', { taskId: 'p1', index: 1, state: 'SUCCESS', result: 'x' });
      expect(progress).toMatchObject({ complete: true, parts: [{ taskId: 'p0', result: { n: 'é' } }, { taskId: 'p1' }, { taskId: 'py', index: Infinity }] });
    } finally {
      await results.close();
    }
  });

  test('a chord mixing Python-written and tq parts completes once, with every part decoded in order', async () => {
    const results = backend('chord-mixed');
    try {
      await client!.set(results.groupKey('c2', '.s'), '3');
      await client!.zadd(results.groupKey('c2', '.j'), '1', '[1, "py-1", "SUCCESS", 10]');
      await results.chordPartCompleted('c2', { taskId: 'tq-2', index: 2, state: 'SUCCESS', result: 20 });
      const done = await results.chordPartCompleted('c2', { taskId: 'tq-0', index: 0, state: 'SUCCESS', result: 0 });
      expect(done).toEqual({
        complete: true,
        parts: [
          { taskId: 'tq-0', index: 0, state: 'SUCCESS', result: 0 },
          { taskId: 'py-1', index: 1, state: 'SUCCESS', result: 10 },
          { taskId: 'tq-2', index: 2, state: 'SUCCESS', result: 20 },
        ],
      });
      expect(await client!.exists(results.groupKey('c2', '.j'), results.groupKey('c2', '.s'), results.groupKey('c2', '.tqp'))).toBe(0);
    } finally {
      await results.close();
    }
  });

  test('a part reported again replaces its first report; the completing part asking again gets the same answer', async () => {
    const results = backend('chord-again');
    try {
      await results.setChordSize('c3', 2);
      await results.chordPartCompleted('c3', { taskId: 'a', index: 0, state: 'SUCCESS', result: 'first run' });
      expect(await results.chordPartCompleted('c3', { taskId: 'a', index: 0, state: 'SUCCESS', result: 're-run' })).toEqual({ complete: false });
      const done = await results.chordPartCompleted('c3', { taskId: 'b', index: 1, state: 'SUCCESS', result: 'b' });
      expect(done).toMatchObject({ complete: true, parts: [{ taskId: 'a', result: 're-run' }, { taskId: 'b' }] });
      expect(await results.chordPartCompleted('c3', { taskId: 'b', index: 1, state: 'SUCCESS', result: 'b' })).toEqual(done);
      expect(await results.chordPartCompleted('c3', { taskId: 'a', index: 0, state: 'SUCCESS', result: 'late' })).toEqual({ complete: false });
      expect(await client!.exists(results.groupKey('c3', '.j'))).toBe(0);
    } finally {
      await results.close();
    }
  });

  test('a part arriving before the size is known is recorded and counted once .s is set (Celery sets it last)', async () => {
    const results = backend('chord-nosize');
    try {
      expect(await results.chordPartCompleted('c4', { taskId: 'a', index: 0, state: 'SUCCESS', result: 1 })).toEqual({ complete: false });
      expect(await client!.zcard(results.groupKey('c4', '.j'))).toBe(1);
      await results.setChordSize('c4', 2);
      const done = await results.chordPartCompleted('c4', { taskId: 'b', index: 1, state: 'SUCCESS', result: 2 });
      expect(done).toMatchObject({ complete: true, parts: [{ taskId: 'a' }, { taskId: 'b' }] });
    } finally {
      await results.close();
    }
  });

  test('waitFor is woken by the store of a Celery-format result written by anyone (raw SET + PUBLISH)', async () => {
    const results = backend('foreign');
    try {
      const waiting = results.waitFor('f1', { timeoutMs: 10_000 });
      await sleep(200);
      const value = JSON.stringify(success('f1', 'from python'));
      await client!.multi().setex(results.taskKey('f1'), 60, value).publish(results.taskKey('f1'), value).exec();
      await expect(waiting).resolves.toMatchObject({ status: 'SUCCESS', result: 'from python' });
    } finally {
      await results.close();
    }
  });
});
