import type { ChordPart } from '../../contracts/result-backend.js';
import { PROPAGATE_STATES, States } from '../../contracts/result-backend.js';
import { ErrorCodes, TqError } from '../../errors/tq-error.js';
import { pythonRepr } from '../../protocol/python-repr.js';
import { ChordError } from '../chord-error.js';
import { signatureFromDict } from '../from-dict.js';
import type { SignatureDict } from '../signature-dict.js';
import { type CanvasRuntime, guarded } from './context.js';
import { failChordBody } from './chord-failure.js';

/** One finished header task, as the worker (or a revoking client) reports it. */
export interface FinishedPart {
  groupId: string;
  taskId: string;
  /** group_index; Celery scores parts without one as +inf. */
  index: number | null;
  /** The chord body dict from `embed.chord` (or a chain step's `options.chord`). */
  body: SignatureDict;
  state: string;
  /** The return value, or the encoded exception for FAILURE/REVOKED. */
  result: unknown;
  /** For the body's parent_id/root_id when this part completes the chord. */
  parentId: string;
  rootId: string;
}

/**
 * Celery's `on_chord_part_return` on a backend with native chords: record the part atomically; the one caller
 * that completes the chord sends the body with the results in header order, or, when a part failed or was
 * revoked, runs the body's errbacks with a ChordError naming that part and stores the body as failed. A backend
 * error that may pass (connection lost) is thrown so the message is handed back and the part reported again
 * (parts are keyed by task id); any other problem is logged and the chord is failed rather than left waiting.
 */
export async function completeChordPart(runtime: CanvasRuntime, part: FinishedPart): Promise<void> {
  const backend = runtime.backend;
  if (!backend) {
    runtime.logger.error(`task ${part.taskId} is part of chord ${part.groupId} but no result backend is configured; the chord cannot complete`);
    return;
  }
  const declared = typeof part.body.chord_size === 'number' ? part.body.chord_size : undefined;
  if (!backend.capabilities.chords) {
    await failChordBody(runtime, part.body, new ChordError(`the result backend cannot complete chords (chord ${part.groupId})`));
    return;
  }
  if (declared !== undefined && part.index !== null && (part.index < 0 || part.index >= declared)) {
    await failChordBody(runtime, part.body, new ChordError(`chord ${part.groupId}: part ${part.taskId} has index ${part.index} outside its declared size ${declared}`, part.taskId));
    return;
  }
  const chordPart: ChordPart = { taskId: part.taskId, index: part.index ?? Number.POSITIVE_INFINITY, state: part.state, result: part.result };
  let progress: Awaited<ReturnType<typeof backend.chordPartCompleted>>;
  try {
    progress = await backend.chordPartCompleted(part.groupId, chordPart, { size: declared, ttlMs: runtime.app.resultExpiresMs });
  } catch (error) {
    if (TqError.is(error) && error.retryable) throw error;
    if (TqError.is(error, ErrorCodes.INVALID_CONFIG)) {
      // No size known: the chord already completed (its state is gone) and this is a late or repeated part, or
      // it was never set up. Either way there is nothing left to complete.
      runtime.logger.warn(`chord ${part.groupId}: part ${part.taskId} arrived for a chord that is not open`, { error });
      return;
    }
    runtime.logger.error(`chord ${part.groupId}: recording part ${part.taskId} failed`, { error });
    await failChordBody(runtime, part.body, new ChordError(`chord ${part.groupId} could not record part ${part.taskId}: ${String((error as Error)?.message ?? error)}`, part.taskId));
    return;
  }
  if (!progress.complete) return;
  const failed = progress.parts.find((done) => PROPAGATE_STATES.has(done.state));
  if (failed) {
    runtime.logger.warn(`chord ${part.groupId} failed: part ${failed.taskId} ${failed.state === States.REVOKED ? 'was revoked' : 'failed'}`);
    await failChordBody(runtime, part.body, new ChordError(`Dependency ${failed.taskId} raised ${describeFailure(failed.result)}`, failed.taskId));
    return;
  }
  const results = progress.parts.map((done) => done.result);
  try {
    await signatureFromDict(part.body, runtime.app, 'chord body').publish([results], {}, { parent_id: part.parentId, root_id: part.rootId }, {});
  } catch (error) {
    runtime.logger.error(`chord ${part.groupId}: sending the body failed`, { error });
    await guarded(runtime, `failing chord ${part.groupId}`, () => failChordBody(runtime, part.body, new ChordError(`Callback error: ${String((error as Error)?.message ?? error)}`)));
  }
}

/** Python's repr of the stored exception, as Celery's ChordError message has it: `ValueError('bad')`. */
function describeFailure(result: unknown): string {
  const encoded = result as { exc_type?: unknown; exc_message?: unknown } | null;
  if (encoded && typeof encoded.exc_type === 'string') {
    const args = Array.isArray(encoded.exc_message) ? encoded.exc_message : [encoded.exc_message];
    return `${encoded.exc_type}(${args.map((arg) => pythonRepr(arg)).join(', ')})`;
  }
  return pythonRepr(result);
}
