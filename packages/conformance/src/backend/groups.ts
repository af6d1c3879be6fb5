import assert from 'node:assert/strict';
import { ErrorCodes, type GroupMeta } from '@tq/core';
import { lacks, needs } from '../support/cases.js';
import { assertTqError } from '../support/errors.js';
import type { BackendCases } from './cases.js';

function groupMeta(groupId: string, children: string[]): GroupMeta {
  return {
    group_id: groupId,
    result: [[groupId, null], children.map((child) => [[child, null], null])],
    date_done: new Date().toISOString(),
  };
}

export function registerGroupCases(cases: BackendCases): void {
  cases.add({
    name: 'saveGroup() then getGroup() round-trips; an unknown group is undefined',
    gate: needs('groups'),
    run: async (ctx) => {
      const backend = await ctx.backend();
      const groupId = ctx.groupId();
      const saved = groupMeta(groupId, ['child-1', 'child-2', 'child-3']);
      await backend.saveGroup(groupId, saved);
      const got = await backend.getGroup(groupId);
      assert.ok(got, 'getGroup() of a saved group');
      assert.equal(got.group_id, groupId);
      assert.deepStrictEqual(got.result, saved.result, 'the member result tuples, in order');
      assert.equal(await backend.getGroup(ctx.groupId('never-saved')), undefined);
    },
  });

  cases.add({
    name: 'forgetGroup() removes a group and leaves others',
    gate: needs('groups'),
    run: async (ctx) => {
      const backend = await ctx.backend();
      const gone = ctx.groupId('gone');
      const kept = ctx.groupId('kept');
      await backend.saveGroup(gone, groupMeta(gone, ['a']));
      await backend.saveGroup(kept, groupMeta(kept, ['b']));
      await backend.forgetGroup(gone);
      assert.equal(await backend.getGroup(gone), undefined, 'a forgotten group is gone');
      assert.ok(await backend.getGroup(kept), 'forgetGroup() removes only its own group');
      await backend.forgetGroup(gone);
    },
  });

  cases.add({
    name: 'saveGroup() is refused with TQ_NOT_SUPPORTED',
    gate: lacks('groups'),
    run: async (ctx) => {
      const backend = await ctx.backend();
      const groupId = ctx.groupId();
      await assertTqError('saveGroup() without capabilities.groups', () => backend.saveGroup(groupId, groupMeta(groupId, [])), ErrorCodes.NOT_SUPPORTED);
    },
  });
}
