import assert from 'node:assert/strict';
import { ErrorCodes } from '@tq/core';
import { assertTqError } from '../support/errors.js';
import { sleep, within } from '../support/timing.js';
import { meta, type BackendCases } from './cases.js';

export function registerBackendLifecycleCases(cases: BackendCases): void {
  cases.add({
    name: 'store and get connect by themselves; connect() is idempotent, also concurrently',
    run: async (ctx) => {
      const lazy = await ctx.backend();
      const id = ctx.taskId();
      await lazy.store(id, meta(id, 'SUCCESS', 1));
      assert.equal((await lazy.get(id))?.result, 1, 'a backend works without an explicit connect()');
      const eager = await ctx.backend();
      await Promise.all([eager.connect(), eager.connect(), eager.connect()]);
      await eager.connect();
      const other = ctx.taskId('other');
      await eager.store(other, meta(other, 'SUCCESS', 2));
      assert.equal((await eager.get(other))?.result, 2);
    },
  });

  cases.add({
    name: 'close() is idempotent; afterwards store, get, waitFor and forget fail with TQ_CLOSED',
    run: async (ctx) => {
      const backend = await ctx.backend();
      const id = ctx.taskId();
      await backend.store(id, meta(id, 'STARTED', null));
      await backend.close();
      await backend.close();
      await Promise.all([backend.close(), backend.close()]);
      await assertTqError('store after close', () => backend.store(id, meta(id, 'SUCCESS', 1)), ErrorCodes.CLOSED);
      await assertTqError('get after close', () => backend.get(id), ErrorCodes.CLOSED);
      await assertTqError('waitFor after close', () => backend.waitFor(id, { timeoutMs: ctx.timing.deadline }), ErrorCodes.CLOSED);
      await assertTqError('forget after close', () => backend.forget(id), ErrorCodes.CLOSED);
    },
  });

  cases.add({
    name: 'a waitFor pending when the backend closes fails with TQ_CLOSED instead of hanging',
    run: async (ctx) => {
      const backend = await ctx.backend();
      const id = ctx.taskId();
      const waiting = backend.waitFor(id);
      waiting.catch(() => {}); // observed below; avoid an unhandled rejection in between
      await sleep(ctx.timing.ms(100));
      await backend.close();
      await assertTqError(
        'the pending waitFor after close()',
        () => within('the pending waitFor to settle after close()', waiting, ctx.timing.deadline),
        [ErrorCodes.CLOSED, ErrorCodes.CONNECTION_LOST],
      );
    },
  });

  cases.add({
    name: '[Symbol.asyncDispose] closes the backend',
    run: async (ctx) => {
      const backend = await ctx.backend();
      const id = ctx.taskId();
      assert.equal(typeof backend[Symbol.asyncDispose], 'function', 'backend[Symbol.asyncDispose] must be a function');
      await backend[Symbol.asyncDispose]();
      await assertTqError('get after asyncDispose', () => backend.get(id), ErrorCodes.CLOSED);
    },
  });

  cases.add({
    name: 'calls given an already aborted signal fail with TQ_ABORTED and store nothing',
    run: async (ctx) => {
      const backend = await ctx.backend();
      const id = ctx.taskId();
      const signal = AbortSignal.abort();
      await assertTqError('connect({signal: aborted})', () => backend.connect({ signal }), ErrorCodes.ABORTED);
      await assertTqError('store({signal: aborted})', () => backend.store(id, meta(id, 'SUCCESS', 1), { signal }), ErrorCodes.ABORTED);
      await assertTqError('get({signal: aborted})', () => backend.get(id, { signal }), ErrorCodes.ABORTED);
      await assertTqError('waitFor({signal: aborted})', () => backend.waitFor(id, { signal }), ErrorCodes.ABORTED);
      await assertTqError('forget({signal: aborted})', () => backend.forget(id, { signal }), ErrorCodes.ABORTED);
      assert.equal(await backend.get(id), undefined, 'a store whose signal was already aborted must not store');
    },
  });
}
