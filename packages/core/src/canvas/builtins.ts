import type { App } from '../app/app.js';
import type { AnyTask } from '../app/task.js';
import type { TaskContext } from '../app/task-context.js';
import { ErrorCodes, TqError } from '../errors/tq-error.js';
import { CHUNKS_TASK, chunkArgs, Chunks, MAP_TASK, STARMAP_TASK } from './map.js';
import { isPlainObject } from './signature-dict.js';

/**
 * Celery's built-in tasks for map, starmap and chunks, registered on every app so a tq worker runs them for a
 * Python client as for a tq one. Map and starmap call the mapped task's function in this worker, one item after
 * the other; the mapped task must be defined in this process (else TQ_UNKNOWN_TASK). Like Celery, the mapped
 * signature's own partial arguments are not used: each item is the whole argument (list).
 */
export function registerCanvasBuiltins(app: App): void {
  app.task(MAP_TASK, async function (this: TaskContext, ...params: unknown[]) {
    const { task, it } = mapArgs(params, MAP_TASK);
    const results: unknown[] = [];
    for (const item of it) results.push(await task.handler.call(this, item));
    return results;
  });
  app.task(STARMAP_TASK, async function (this: TaskContext, ...params: unknown[]) {
    const { task, it } = mapArgs(params, STARMAP_TASK);
    const results: unknown[] = [];
    for (const [index, item] of it.entries()) {
      if (!Array.isArray(item)) throw new TqError(ErrorCodes.MALFORMED_MESSAGE, `${STARMAP_TASK}: item ${index} is not an argument list`);
      results.push(await task.handler.apply(this, item));
    }
    return results;
  });
  app.task(CHUNKS_TASK, async (...params: unknown[]) => {
    const fields = isPlainObject(params[0]) && params.length === 1 ? params[0] : { task: params[0], it: params[1], n: params[2] };
    const result = await new Chunks(app, chunkArgs(fields)).publish([], {}, {}, {});
    return result.asTuple();
  });

  function mapArgs(params: unknown[], name: string): { task: AnyTask; it: unknown[] } {
    const fields = params.length === 1 && isPlainObject(params[0]) ? params[0] : { task: params[0], it: params[1] };
    const { task, it } = fields;
    if (!isPlainObject(task) || typeof task.task !== 'string') throw new TqError(ErrorCodes.MALFORMED_MESSAGE, `${name}: "task" must be a signature`);
    if (!Array.isArray(it)) throw new TqError(ErrorCodes.MALFORMED_MESSAGE, `${name}: "it" must be a list`);
    const registered = app.tasks.get(task.task);
    if (!registered) {
      throw new TqError(ErrorCodes.UNKNOWN_TASK, `${name}: task ${task.task} is not registered in this worker (map runs it here)`, {
        details: { task: task.task },
      });
    }
    return { task: registered, it };
  }
}
