import { READY_STATES, States } from '../contracts/result-backend.js';
import { encodeException } from '../protocol/exceptions.js';
import { silentLogger } from '../worker/logger.js';
import { completeChordPart } from './dispatch/chord-part.js';
import { storeFinalState } from './dispatch/context.js';
import { GroupResult } from './group-result.js';

/** How Celery stores a revoked task's result. */
const REVOKED = { excType: 'TaskRevokedError', excModule: 'celery.exceptions', excMessage: ['revoked'] };

/**
 * GroupResult.revoke without remote control: every member not in a ready state is stored as REVOKED. If the
 * group is a chord header sent from this process, each revoked member is also reported to the chord as a revoked
 * part, so the chord ends (its body's errbacks get a ChordError) instead of waiting for parts that may never come.
 * Returns the ids marked revoked.
 */
export async function revokeMembers(group: GroupResult, options: { signal?: AbortSignal }): Promise<string[]> {
  const app = group.app;
  const backend = app.requireBackend();
  const runtime = { app, backend, logger: silentLogger };
  const revoked: string[] = [];
  for (const [index, member] of group.results.entries()) {
    if (member instanceof GroupResult) {
      revoked.push(...(await member.revoke(options)));
      continue;
    }
    const meta = await backend.get(member.id, options);
    if (meta && READY_STATES.has(meta.status)) continue;
    await storeFinalState(runtime, member.id, States.REVOKED, REVOKED, { group_id: group.id });
    revoked.push(member.id);
    if (group.chordBody) {
      await completeChordPart(runtime, {
        groupId: group.id,
        taskId: member.id,
        index,
        body: group.chordBody,
        state: States.REVOKED,
        result: encodeException(REVOKED),
        parentId: member.id,
        rootId: member.id,
      });
    }
  }
  return revoked;
}
