import assert from 'node:assert/strict';
import { ErrorCodes, type ResultMeta } from '@tq/core';
import { needs } from '../support/cases.js';
import { assertTqError } from '../support/errors.js';
import { format, sleep, within } from '../support/timing.js';
import { failure, meta, type BackendCases } from './cases.js';

/** Tracks whether a promise has settled, without awaiting it. */
function watch<T>(promise: Promise<T>): { settled: () => boolean; promise: Promise<T> } {
  let settled = false;
  promise.then(
    () => {
      settled = true;
    },
    () => {
      settled = true;
    },
  );
  return { settled: () => settled, promise };
}

export function registerWaitForCases(cases: BackendCases): void {
  cases.add({
    name: 'waitFor() resolves with the meta once a ready state is stored later',
    run: async (ctx) => {
      const backend = await ctx.backend();
      const id = ctx.taskId();
      const waiting = watch(backend.waitFor(id, { timeoutMs: ctx.timing.deadline * 2 }));
      await sleep(ctx.timing.ms(100));
      const done = meta(id, 'SUCCESS', { answer: 42 });
      await backend.store(id, done);
      const got = await within('waitFor() after the SUCCESS was stored', waiting.promise, ctx.timing.deadline);
      assert.equal(got.status, 'SUCCESS');
      assert.deepStrictEqual(got.result, { answer: 42 });
      assert.equal(got.task_id, id);
    },
  });

  cases.add({
    name: 'waitFor() resolves at once when the result is already ready',
    run: async (ctx) => {
      const backend = await ctx.backend();
      const id = ctx.taskId();
      await backend.store(id, meta(id, 'SUCCESS', 'done'));
      const got = await within('waitFor() of a stored SUCCESS', backend.waitFor(id, { timeoutMs: ctx.timing.deadline }), ctx.timing.deadline);
      assert.equal(got.result, 'done');
    },
  });

  cases.add({
    name: 'waitFor() resolves on FAILURE and REVOKED too (every ready state)',
    run: async (ctx) => {
      const backend = await ctx.backend();
      const failed = ctx.taskId('failed');
      const revoked = ctx.taskId('revoked');
      const waits = [backend.waitFor(failed, { timeoutMs: ctx.timing.deadline * 2 }), backend.waitFor(revoked, { timeoutMs: ctx.timing.deadline * 2 })];
      await sleep(ctx.timing.ms(100));
      await backend.store(failed, failure(failed, 'boom'));
      await backend.store(revoked, meta(revoked, 'REVOKED', { exc_type: 'TaskRevokedError', exc_message: ['revoked'], exc_module: 'celery.exceptions' }));
      const [gotFailed, gotRevoked] = (await within('both waits', Promise.all(waits), ctx.timing.deadline)) as [ResultMeta, ResultMeta];
      assert.equal(gotFailed.status, 'FAILURE');
      assert.deepStrictEqual(gotFailed.result, { exc_type: 'ValueError', exc_message: ['boom'], exc_module: 'builtins' });
      assert.equal(gotRevoked.status, 'REVOKED');
    },
  });

  cases.add({
    name: 'waitFor() keeps waiting through STARTED, RETRY and custom states',
    run: async (ctx) => {
      const backend = await ctx.backend();
      const id = ctx.taskId();
      const waiting = watch(backend.waitFor(id, { timeoutMs: ctx.timing.deadline * 3 }));
      for (const state of ['STARTED', 'RETRY', 'PROGRESS']) await backend.store(id, meta(id, state, null));
      await sleep(ctx.timing.quiet);
      assert.equal(waiting.settled(), false, 'waitFor() must not settle on a state that is not ready');
      await backend.store(id, meta(id, 'SUCCESS', 'finally'));
      const got = await within('waitFor() after SUCCESS', waiting.promise, ctx.timing.deadline);
      assert.equal(got.status, 'SUCCESS');
      assert.equal(got.result, 'finally');
    },
  });

  cases.add({
    name: 'twenty concurrent waitFor() calls on one task all resolve',
    run: async (ctx) => {
      const backend = await ctx.backend();
      const id = ctx.taskId();
      const waits = Array.from({ length: 20 }, () => backend.waitFor(id, { timeoutMs: ctx.timing.deadline * 2 }));
      await sleep(ctx.timing.ms(100));
      await backend.store(id, meta(id, 'SUCCESS', 'shared'));
      const got = await within('all twenty waits', Promise.all(waits), ctx.timing.deadline);
      for (const result of got) assert.equal(result.result, 'shared');
    },
  });

  cases.add({
    name: 'waitFor() with timeoutMs fails with TQ_TIMEOUT when no result comes',
    run: async (ctx) => {
      const backend = await ctx.backend();
      const id = ctx.taskId();
      await backend.store(id, meta(id, 'STARTED', null));
      const timeoutMs = ctx.timing.ms(300);
      await assertTqError(
        `waitFor({timeoutMs: ${timeoutMs}}) of a task that never finishes`,
        () => within('waitFor() to give up', backend.waitFor(id, { timeoutMs }), ctx.timing.deadline + timeoutMs),
        ErrorCodes.TIMEOUT,
      );
    },
  });

  cases.add({
    name: 'waitFor() fails with TQ_ABORTED when its signal aborts',
    run: async (ctx) => {
      const backend = await ctx.backend();
      const id = ctx.taskId();
      const abort = new AbortController();
      const waiting = backend.waitFor(id, { signal: abort.signal });
      waiting.catch(() => {});
      await sleep(ctx.timing.ms(100));
      abort.abort();
      await assertTqError('waitFor() after its signal aborted', () => within('waitFor() to stop', waiting, ctx.timing.deadline), ErrorCodes.ABORTED);
      // The backend stays usable for other waits.
      await backend.store(id, meta(id, 'SUCCESS', 'after'));
      const got = await within('a new waitFor()', backend.waitFor(id, { timeoutMs: ctx.timing.deadline }), ctx.timing.deadline);
      assert.equal(got.result, 'after');
    },
  });

  cases.add({
    name: 'waitFor() sees a result stored through another instance',
    gate: needs('shared'),
    run: async (ctx) => {
      const waiter = await ctx.backend();
      const writer = await ctx.backend();
      const id = ctx.taskId();
      const waiting = watch(waiter.waitFor(id, { timeoutMs: ctx.timing.deadline * 2 }));
      await sleep(ctx.timing.ms(200));
      await writer.store(id, meta(id, 'SUCCESS', 'from elsewhere'));
      let got: ResultMeta;
      try {
        got = await within('waitFor() on one instance after a store on another', waiting.promise, ctx.timing.deadline);
      } catch (error) {
        assert.fail(`${format(error)} (capabilities.shared is true, so instances must see each other's results)`);
      }
      assert.equal(got.result, 'from elsewhere');
      assert.equal((await waiter.get(id))?.result, 'from elsewhere', 'get() on the other instance too');
    },
  });
}
