import { runWithTaskContext, type TaskContext } from '../../app/task-context.js';
import type { TaskRequest } from '../../contracts/pool.js';
import { ErrorCodes, TqError } from '../../errors/tq-error.js';
import type { CanvasNode } from '../canvas-node.js';
import { signatureFromDict } from '../from-dict.js';
import { Group } from '../group.js';
import { Signature } from '../signature.js';
import { signatureDictList } from '../signature-dict.js';
import { type CanvasRuntime, guarded } from './context.js';

/** The failed task as an errback sees it: at least its id; a full request when the worker has one. */
export type ErrbackRequest = Partial<TaskRequest> & { id: string; rootId?: string };

/**
 * Celery's `_call_task_errbacks`. An errback whose task is registered here and takes more than one parameter is
 * "new-style": it is called at once, in this process, as `(request, error, traceback, ...partialArgs)`. Every
 * other errback is "old-style": sent as a task with the failed task's id as its argument (several go out as one
 * group, as Celery sends them). An errback that fails is logged as its own failure; nothing is retried or looped.
 */
export async function callErrbacks(runtime: CanvasRuntime, request: ErrbackRequest, errbacks: unknown, error: unknown, traceback: string | null): Promise<void> {
  let dicts: unknown[];
  try {
    dicts = signatureDictList(errbacks, 'errbacks');
  } catch (problem) {
    runtime.logger.error(`errbacks of task ${request.id} are malformed; skipping them`, { error: problem });
    return;
  }
  const sendAsTasks: CanvasNode<any, any, any>[] = [];
  for (const [index, dict] of dicts.entries()) {
    let node: CanvasNode<any, any, any>;
    try {
      node = signatureFromDict(dict, runtime.app, `errbacks[${index}]`);
    } catch (problem) {
      runtime.logger.error(`errback ${index} of task ${request.id} is malformed; skipping it`, { error: problem });
      continue;
    }
    if (isNewStyle(runtime, node)) await guarded(runtime, `errback ${node.taskName} of task ${request.id}`, () => callInline(runtime, node as Signature, request, error, traceback));
    else sendAsTasks.push(node);
  }
  if (sendAsTasks.length === 0) return;
  const rootId = request.rootId ?? request.id;
  await guarded(runtime, `sending errbacks of task ${request.id}`, () =>
    new Group(runtime.app, sendAsTasks).publish([request.id], {}, { parent_id: request.id, root_id: rootId }, {}),
  );
}

function isNewStyle(runtime: CanvasRuntime, node: CanvasNode<any, any, any>): boolean {
  if (!(node instanceof Signature)) return false;
  const task = runtime.app.tasks.get(node.task);
  return task !== undefined && task.handler.length > 1;
}

async function callInline(runtime: CanvasRuntime, signature: Signature, request: ErrbackRequest, error: unknown, traceback: string | null): Promise<void> {
  const task = runtime.app.tasks.get(signature.task)!;
  const kwargs = signature.kwargs;
  const args = [request, error, traceback, ...signature.args, ...(Object.keys(kwargs).length ? [kwargs] : [])];
  const context = inlineContext(request);
  await runWithTaskContext(context, () => Promise.resolve().then(() => task.handler.apply(context, args)));
}

/** An errback called inline runs in the failed task's context (so tasks it sends are its children). */
function inlineContext(request: ErrbackRequest): TaskContext {
  return {
    request: request as TaskRequest,
    signal: new AbortController().signal,
    retry: () => {
      throw new TqError(ErrorCodes.NOT_SUPPORTED, 'an errback called inline cannot retry; send it as a task (one parameter) instead');
    },
    updateState: async () => {
      throw new TqError(ErrorCodes.NOT_SUPPORTED, 'an errback called inline has no state of its own');
    },
  };
}
