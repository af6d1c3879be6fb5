import { PROPAGATE_STATES } from '../../contracts/result-backend.js';
import { encodeException } from '../../protocol/exceptions.js';
import { isPlainObject, type SignatureDict } from '../signature-dict.js';
import { completeChordPart } from './chord-part.js';
import { type CanvasRuntime, guarded, storeFinalState } from './context.js';

/**
 * Celery's `mark_as_failure` for the rest of a chain: a step that will never run is stored with the failure (so
 * waiting on the chain's result ends), and a step that was a chord part reports that part as failed (so the
 * chord ends too). For a composite step tq fails the tasks whose results stand for it (a chord's body, a
 * group's members), where Celery would store the failure under the chord's group id and leave its body waiting.
 */
export async function failChainSteps(runtime: CanvasRuntime, chain: unknown, state: string, error: unknown): Promise<void> {
  if (!Array.isArray(chain) || !PROPAGATE_STATES.has(state)) return;
  for (const step of chain as unknown[]) {
    if (!isPlainObject(step) || !isPlainObject(step.options)) continue;
    const options = step.options;
    const taskId = typeof options.task_id === 'string' ? options.task_id : undefined;
    for (const id of resultIds(step)) {
      await guarded(runtime, `storing the failure of chain step ${id}`, () => storeFinalState(runtime, id, state, error));
    }
    if (taskId && typeof options.group_id === 'string' && isPlainObject(options.chord)) {
      await completeChordPart(runtime, {
        groupId: options.group_id,
        taskId,
        index: typeof options.group_index === 'number' ? options.group_index : null,
        body: options.chord as SignatureDict,
        state,
        result: encodeException(error),
        parentId: taskId,
        rootId: typeof options.root_id === 'string' ? options.root_id : taskId,
      });
    }
  }
}

/** The ids whose results a step's caller waits on: its own, a chain's steps, a group's members, a chord's body. */
export function resultIds(step: Record<string, unknown>, depth = 0): string[] {
  if (depth > 64) return [];
  const options = isPlainObject(step.options) ? step.options : {};
  const kwargs = isPlainObject(step.kwargs) ? step.kwargs : {};
  switch (step.subtask_type) {
    case 'chain':
    case 'group':
      return (Array.isArray(kwargs.tasks) ? kwargs.tasks : []).flatMap((task) => (isPlainObject(task) ? resultIds(task, depth + 1) : []));
    case 'chord':
      return isPlainObject(kwargs.body) ? resultIds(kwargs.body, depth + 1) : [];
    default:
      return typeof options.task_id === 'string' ? [options.task_id] : [];
  }
}
