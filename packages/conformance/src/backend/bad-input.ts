import assert from 'node:assert/strict';
import { gate } from '../support/cases.js';
import { assertTqError } from '../support/errors.js';
import { meta, type BackendCases } from './cases.js';

const ONE_MIB = 1024 * 1024;
const LARGEST_TESTED = 64 * ONE_MIB;

export function registerBackendBadInputCases(cases: BackendCases): void {
  cases.add({
    name: 'a large result (half of maxValueBytes, at most 1 MiB) round-trips intact',
    run: async (ctx) => {
      const backend = await ctx.backend();
      const id = ctx.taskId();
      const length = Math.floor(Math.min(ctx.capabilities.maxValueBytes / 2, ONE_MIB));
      const text = 'x'.repeat(length - 64) + 'é'.repeat(16); // 'é' is 2 bytes in UTF-8
      await backend.store(id, meta(id, 'SUCCESS', text));
      const got = await backend.get(id);
      assert.equal(typeof got?.result, 'string', 'the large result comes back');
      assert.equal((got!.result as string).length, text.length, 'the large result is not truncated');
      assert.equal(got!.result, text, 'the large result is unchanged');
    },
  });

  cases.add({
    name: 'a result over maxValueBytes is refused with a TqError, and nothing is stored',
    gate: gate('maxValueBytes', (c) =>
      Number.isFinite(c.maxValueBytes) && c.maxValueBytes <= LARGEST_TESTED
        ? undefined
        : `capabilities.maxValueBytes is ${c.maxValueBytes}: no limit small enough to test`,
    ),
    run: async (ctx) => {
      const backend = await ctx.backend();
      const id = ctx.taskId();
      const text = 'y'.repeat(ctx.capabilities.maxValueBytes + 1);
      await assertTqError(`storing a result of ${text.length} bytes (maxValueBytes ${ctx.capabilities.maxValueBytes})`, () => backend.store(id, meta(id, 'SUCCESS', text)), 'any');
      assert.equal(await backend.get(id), undefined, 'a refused result must not be stored, in part or whole');
    },
  });

  cases.add({
    name: 'a result that cannot be encoded (a function) is refused with a TqError, not stored without it',
    run: async (ctx) => {
      const backend = await ctx.backend();
      const id = ctx.taskId();
      await assertTqError('storing a result holding a function', () => backend.store(id, meta(id, 'SUCCESS', { callback: () => 1 })), 'any');
      assert.equal(await backend.get(id), undefined, 'a refused result must not be stored');
    },
  });
}
