import assert from 'node:assert/strict';
import type { ResultMeta } from '@tq/core';
import { failure, meta, type BackendCases } from './cases.js';

const RICH_RESULT = {
  numbers: [0, 1, -2, 3.5, 2 ** 53 - 1, -(2 ** 53 - 1)],
  text: 'héllo wörld, 日本語, emoji 🎉👍🏽, quote " and backslash \\',
  nested: { a: [null, true, false, {}], b: { c: { d: 'deep' } } },
  empty: '',
  list: [],
};

/** Every field of `expected` comes back equal (backends may add fields of their own). */
function assertMeta(actual: ResultMeta | undefined, expected: ResultMeta, what: string): void {
  assert.ok(actual, `${what}: get() returned undefined`);
  for (const [key, value] of Object.entries(expected)) {
    assert.deepStrictEqual(actual[key], value, `${what}: field ${key} did not survive`);
  }
}

export function registerStoreGetCases(cases: BackendCases): void {
  cases.add({
    name: 'get() of a task with nothing stored is undefined (the caller reports PENDING)',
    run: async (ctx) => {
      const backend = await ctx.backend();
      assert.equal(await backend.get(ctx.taskId('never-stored')), undefined);
    },
  });

  cases.add({
    name: 'store() then get() round-trips a SUCCESS meta with every field',
    run: async (ctx) => {
      const backend = await ctx.backend();
      const id = ctx.taskId();
      const stored = meta(id, 'SUCCESS', RICH_RESULT, {
        children: [[['child-id', null], null]],
        group_id: null,
        parent_id: 'parent-id',
        name: 'tasks.add',
        args: [1, 2],
        kwargs: { x: 1, y: 'two' },
        worker: 'worker@host',
        retries: 2,
        queue: 'celery',
      });
      await backend.store(id, stored);
      assertMeta(await backend.get(id), stored, 'SUCCESS meta');
    },
  });

  cases.add({
    name: 'a FAILURE meta with an encoded exception and traceback round-trips',
    run: async (ctx) => {
      const backend = await ctx.backend();
      const id = ctx.taskId();
      const stored = failure(id, 'bad input: ünïcode');
      await backend.store(id, stored);
      assertMeta(await backend.get(id), stored, 'FAILURE meta');
    },
  });

  cases.add({
    name: 'a later state replaces an earlier one: PENDING → STARTED → RETRY → custom → SUCCESS',
    run: async (ctx) => {
      const backend = await ctx.backend();
      const id = ctx.taskId();
      const states: ResultMeta[] = [
        meta(id, 'PENDING', null),
        meta(id, 'STARTED', { pid: 1234, hostname: 'worker@host' }),
        meta(id, 'RETRY', { exc_type: 'Retry', exc_message: ['again'], exc_module: 'celery.exceptions' }),
        meta(id, 'PROGRESS', { current: 3, total: 10 }),
        meta(id, 'SUCCESS', 42),
      ];
      for (const state of states) {
        await backend.store(id, state);
        assertMeta(await backend.get(id), state, `after storing ${state.status}`);
      }
    },
  });

  cases.add({
    name: 'a stored SUCCESS is never overwritten, not by FAILURE, STARTED nor another SUCCESS',
    run: async (ctx) => {
      const backend = await ctx.backend();
      const id = ctx.taskId();
      const success = meta(id, 'SUCCESS', 'first');
      await backend.store(id, success);
      await backend.store(id, failure(id, 'late failure'));
      await backend.store(id, meta(id, 'STARTED', null));
      await backend.store(id, meta(id, 'SUCCESS', 'second'));
      assertMeta(await backend.get(id), success, 'the first SUCCESS');
    },
  });

  cases.add({
    name: 'results of different tasks are independent, also when stored concurrently',
    run: async (ctx) => {
      const backend = await ctx.backend();
      const ids = Array.from({ length: 100 }, (_, i) => ctx.taskId(`t${i}`));
      await Promise.all(ids.map((id, i) => backend.store(id, meta(id, 'SUCCESS', { i }))));
      const got = await Promise.all(ids.map((id) => backend.get(id)));
      got.forEach((value, i) => {
        assert.deepStrictEqual(value?.result, { i }, `the result of task ${i}`);
        assert.equal(value?.task_id, ids[i], `task_id of task ${i}`);
      });
    },
  });

  cases.add({
    name: 'forget() removes a result; forgetting an unknown task is fine',
    run: async (ctx) => {
      const backend = await ctx.backend();
      const id = ctx.taskId();
      const keep = ctx.taskId('kept');
      await backend.store(id, meta(id, 'SUCCESS', 1));
      await backend.store(keep, meta(keep, 'SUCCESS', 2));
      await backend.forget(id);
      assert.equal(await backend.get(id), undefined, 'a forgotten result is gone');
      assert.equal((await backend.get(keep))?.result, 2, 'forget() removes only its own task');
      await backend.forget(id);
      await backend.forget(ctx.taskId('never-stored'));
      await backend.store(id, meta(id, 'SUCCESS', 3));
      assert.equal((await backend.get(id))?.result, 3, 'a forgotten task id can be stored again');
    },
  });
}
