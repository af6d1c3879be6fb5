import { States } from '../../contracts/result-backend.js';
import { isPlainObject, type SignatureDict } from '../signature-dict.js';
import type { ChordError } from '../chord-error.js';
import { type CanvasRuntime, guarded, storeFinalState } from './context.js';
import { callErrbacks } from './errbacks.js';
import { failChainSteps, resultIds } from './chain-failure.js';

/**
 * Celery's `chord_error_from_stack`: the chord body will not run, so its errbacks are called (with a request
 * standing for the body) and the body is stored as FAILURE with the ChordError. tq also fails every task that
 * stands for the body (all steps of a chain body) and the steps chained after it, so nobody waits forever.
 */
export async function failChordBody(runtime: CanvasRuntime, body: SignatureDict, error: ChordError): Promise<void> {
  const options = isPlainObject(body.options) ? body.options : {};
  const bodyId = typeof options.task_id === 'string' ? options.task_id : undefined;
  const request = {
    id: bodyId ?? 'unknown-chord-body',
    task: body.task,
    args: Array.isArray(body.args) ? body.args : [],
    kwargs: isPlainObject(body.kwargs) ? body.kwargs : {},
    rootId: typeof options.root_id === 'string' ? options.root_id : undefined,
    groupId: typeof options.group_id === 'string' ? options.group_id : null,
  };
  await callErrbacks(runtime, request, options.link_error, error, null);
  // A chain body (a chord followed by more steps) stands for all its steps: fail each one.
  for (const id of resultIds(body as Record<string, unknown>)) {
    await guarded(runtime, `storing the failure of chord body ${id}`, () => storeFinalState(runtime, id, States.FAILURE, error));
  }
  await failChainSteps(runtime, options.chain, States.FAILURE, error);
}
