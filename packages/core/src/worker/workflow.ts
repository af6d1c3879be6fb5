import { States } from '../contracts/result-backend.js';
import { TqError } from '../errors/tq-error.js';
import type { CanvasNode } from '../canvas/canvas-node.js';
import { completeChordPart } from '../canvas/dispatch/chord-part.js';
import { failChainSteps } from '../canvas/dispatch/chain-failure.js';
import { guarded } from '../canvas/dispatch/context.js';
import { callErrbacks, type ErrbackRequest } from '../canvas/dispatch/errbacks.js';
import { signatureFromDict } from '../canvas/from-dict.js';
import { GroupResult } from '../canvas/group-result.js';
import { Group } from '../canvas/group.js';
import type { CeleryOptions } from '../canvas/options.js';
import { isPlainObject, type SignatureDict } from '../canvas/signature-dict.js';
import type { ResultNode } from '../canvas/canvas-result.js';
import { encodeException, formatTraceback } from '../protocol/exceptions.js';
import type { TaskMessage } from '../protocol/task-message.js';
import type { WorkerRuntime } from './runtime.js';
import { taskRequestOf } from './task-request.js';

/**
 * What happens after a task finishes, per Celery's protocol (`app/trace.py`, `backends/base.py`):
 * - success: link callbacks get the return value prepended to their args (several go out as a group); the next
 *   chain step (the LAST element of the reversed `embed.chain`) is sent with the rest of the chain; a chord part
 *   is recorded, and the worker completing the chord sends the body with the ordered results.
 * - failure: the chord part is recorded as failed (the chord then fails with ChordError), the chain steps that
 *   will never run are stored as failed, and errbacks run (new-style inline, old-style sent with the task id).
 * - revoked/expired: the chord part is recorded as revoked and the rest of the chain is failed, so nothing waits
 *   forever.
 * A follow-up that cannot be sent (malformed dict, unknown option) is logged as its own failure and never fails
 * or re-runs the task; only a backend or broker error that may pass is thrown, so the message is handed back.
 */
/** Whether dispatchOnSuccess has anything to do for this message (callbacks, a next chain step, a chord part). */
export function hasFollowUps(message: TaskMessage): boolean {
  return (message.callbacks?.length ?? 0) > 0 || (message.chain?.length ?? 0) > 0 || (Boolean(message.chord) && Boolean(message.group));
}

export async function dispatchOnSuccess(runtime: WorkerRuntime, message: TaskMessage, value: unknown): Promise<string[]> {
  const children: string[] = [];
  const lineage: CeleryOptions = { parent_id: message.id, root_id: message.rootId };
  const callbacks = parseAll(runtime, message.callbacks ?? [], `callbacks of task ${message.id}`);
  const groups = callbacks.filter((node) => node instanceof Group);
  const others = callbacks.filter((node) => !(node instanceof Group));
  const toSend = callbacks.length === 1 ? callbacks : [...groups, ...(others.length ? [new Group(runtime.app, others)] : [])];
  for (const callback of toSend) {
    const sent = await follow(runtime, `callback ${callback.taskName} of task ${message.id}`, () => callback.publish([value], {}, lineage, {}));
    if (sent) children.push(...idsOf(sent));
  }
  const chain = message.chain;
  if (chain && chain.length > 0) {
    const next = chain[chain.length - 1]!;
    const rest = chain.slice(0, -1);
    const sent = await follow(runtime, `next chain step of task ${message.id}`, () =>
      signatureFromDict(next, runtime.app, 'embed.chain[-1]').publish([value], {}, { ...lineage, chain: rest.length ? rest : undefined }, {}),
    );
    if (sent) children.push(...idsOf(sent));
    else await failChainSteps(runtime, chain, States.FAILURE, new Error(`chain step after task ${message.id} could not be sent`));
  }
  await reportChordPart(runtime, message, States.SUCCESS, value);
  return children;
}

export async function dispatchOnFailure(runtime: WorkerRuntime, message: TaskMessage, error: unknown): Promise<void> {
  await reportChordPart(runtime, message, States.FAILURE, encodeException(error));
  await failChainSteps(runtime, message.chain, States.FAILURE, error);
  if (message.errbacks?.length) await callErrbacks(runtime, requestOf(runtime, message), message.errbacks, error, formatTraceback(error));
}

/** For a task dropped as revoked or expired: its chord part counts as revoked and its chain as failed. */
export async function dispatchOnRevoked(runtime: WorkerRuntime, message: TaskMessage, reason: string): Promise<void> {
  const revoked = { excType: 'TaskRevokedError', excModule: 'celery.exceptions', excMessage: [reason] };
  await reportChordPart(runtime, message, States.REVOKED, encodeException(revoked));
  await failChainSteps(runtime, message.chain, States.REVOKED, revoked);
}

async function reportChordPart(runtime: WorkerRuntime, message: TaskMessage, state: string, result: unknown): Promise<void> {
  if (!message.chord || !message.group) return;
  if (!isPlainObject(message.chord)) {
    runtime.logger.error(`task ${message.id} names a chord body that is not a signature; chord ${message.group} cannot complete`);
    return;
  }
  await completeChordPart(runtime, {
    groupId: message.group,
    taskId: message.id,
    index: message.groupIndex,
    body: message.chord as SignatureDict,
    state,
    result,
    parentId: message.id,
    rootId: message.rootId,
  });
}

/** Sends a follow-up; a retryable error (broker down) is thrown so the message is redelivered, others are logged. */
async function follow<T>(runtime: WorkerRuntime, what: string, send: () => Promise<T>): Promise<T | undefined> {
  try {
    return await send();
  } catch (error) {
    if (TqError.is(error) && error.retryable) throw error;
    return guarded(runtime, what, () => Promise.reject(error));
  }
}

function parseAll(runtime: WorkerRuntime, dicts: readonly unknown[], what: string): CanvasNode<any, any, any>[] {
  const nodes: CanvasNode<any, any, any>[] = [];
  for (const [index, dict] of dicts.entries()) {
    try {
      nodes.push(signatureFromDict(dict, runtime.app, `embed.callbacks[${index}]`));
    } catch (error) {
      runtime.logger.error(`${what}: callback ${index} is malformed; skipping it`, { error, code: (error as TqError).code });
    }
  }
  return nodes;
}

function idsOf(result: ResultNode): string[] {
  return result instanceof GroupResult ? result.results.flatMap(idsOf) : [result.id];
}

function requestOf(runtime: WorkerRuntime, message: TaskMessage): ErrbackRequest {
  return taskRequestOf(message, runtime.hostname, { exchange: '', routingKey: '', priority: message.priority, redelivered: false });
}
