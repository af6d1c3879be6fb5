import assert from 'node:assert/strict';
import { allOf, needs } from '../support/cases.js';
import { eventually, sleep } from '../support/timing.js';
import { meta, type BackendCases } from './cases.js';

export function registerTtlCases(cases: BackendCases): void {
  cases.add({
    name: 'a result stored with ttlMs expires by itself',
    gate: needs('nativeTtl'),
    run: async (ctx) => {
      const backend = await ctx.backend();
      const id = ctx.taskId();
      const ttlMs = ctx.timing.ms(1000);
      await backend.store(id, meta(id, 'SUCCESS', 'short-lived'), { ttlMs });
      assert.equal((await backend.get(id))?.result, 'short-lived', 'readable right after store()');
      await eventually(`the result with ttlMs ${ttlMs} expiring`, async () => {
        const got = await backend.get(id);
        return { ok: got === undefined, seen: got?.status };
      }, ttlMs + ctx.timing.deadline, ctx.timing.ms(100));
    },
  });

  cases.add({
    name: 'a result stored without ttlMs is still there a moment later',
    run: async (ctx) => {
      const backend = await ctx.backend();
      const id = ctx.taskId();
      await backend.store(id, meta(id, 'SUCCESS', 'default ttl'));
      await sleep(ctx.timing.ms(1500));
      assert.equal((await backend.get(id))?.result, 'default ttl', 'the default TTL (1 day) must not expire it in seconds');
    },
  });

  cases.add({
    name: 'a group saved with ttlMs expires by itself',
    gate: allOf(needs('nativeTtl'), needs('groups')),
    run: async (ctx) => {
      const backend = await ctx.backend();
      const groupId = ctx.groupId();
      const ttlMs = ctx.timing.ms(1000);
      await backend.saveGroup(groupId, { group_id: groupId, result: [[groupId, null], []] }, { ttlMs });
      assert.ok(await backend.getGroup(groupId), 'readable right after saveGroup()');
      await eventually(`the group with ttlMs ${ttlMs} expiring`, async () => {
        const got = await backend.getGroup(groupId);
        return { ok: got === undefined, seen: got };
      }, ttlMs + ctx.timing.deadline, ctx.timing.ms(100));
    },
  });
}
