import type { App } from '../app/app.js';
import { ErrorCodes, TqError } from '../errors/tq-error.js';
import { CanvasNode, withExtras, type FreezeParams } from './canvas-node.js';
import type { CanvasResult } from './canvas-result.js';
import { Group } from './group.js';
import type { GroupResult } from './group-result.js';
import { type CeleryOptions, copyOptions, type PublishControls } from './options.js';
import { Signature } from './signature.js';
import type { SignatureDict } from './signature-dict.js';

export const MAP_TASK = 'celery.map';
export const STARMAP_TASK = 'celery.starmap';
export const CHUNKS_TASK = 'celery.chunks';

/**
 * `task.map(items)`: one `celery.map` task that calls the task's function on each item, one after the other, in
 * one worker (not in parallel: that is what a group is for). The dict is Celery's: immutable, kwargs
 * `{task, it}`. The message is routed like the mapped task (its queue), as Celery routes by the inner name.
 */
export class XMap<Out = unknown> extends Signature<unknown[], Out[]> {
  override async publish(args: unknown[], kwargs: Record<string, unknown>, overrides: CeleryOptions, controls: PublishControls): Promise<CanvasResult<Out[]>> {
    return super.publish(args, kwargs, withInnerRoute(this, overrides), controls);
  }
}

/** `task.starmap(items)`: like map, but each item is the argument list (`celery.starmap`). */
export class XStarmap<Out = unknown> extends XMap<Out> {}

/**
 * `task.chunks(items, n)`: the items split into chunks of n, each a `celery.starmap` task, sent as a group
 * (Celery's chunks). Its dict is a plain `celery.chunks` signature; a worker that receives that as a task splits
 * it and sends the group itself.
 */
export class Chunks<Out = unknown> extends CanvasNode<unknown[], Out[][], GroupResult<Out[][]>> {
  readonly subtaskType = null;
  readonly taskName = CHUNKS_TASK;
  readonly kwargs: { task: SignatureDict; it: unknown[][]; n: number };

  constructor(app: App | undefined, kwargs: { task: SignatureDict; it: unknown[][]; n: number }, options: CeleryOptions = {}) {
    super(app, options, true);
    this.kwargs = kwargs;
  }

  /** The group of starmap tasks this stands for. */
  group(): Group<unknown[], Out[][]> {
    const { task, it, n } = chunkArgs(this.kwargs);
    const app = this.requireApp();
    const parts: Signature[] = [];
    for (let start = 0; start < it.length; start += n) {
      parts.push(new XStarmap(app, STARMAP_TASK, [], { task, it: it.slice(start, start + n) }, {}, true));
    }
    return new Group<unknown[], Out[][]>(app, parts, copyOptions(this.options));
  }

  toDict(): SignatureDict {
    return this.baseDict(CHUNKS_TASK, [], structuredClone(this.kwargs));
  }

  clone(): Chunks<Out> {
    return withExtras(new Chunks<Out>(this.app, structuredClone(this.kwargs), copyOptions(this.options)), this);
  }

  freeze(params: FreezeParams = {}): GroupResult<Out[][]> {
    return this.group().freeze(params);
  }

  async publish(args: unknown[], kwargs: Record<string, unknown>, overrides: CeleryOptions, controls: PublishControls): Promise<GroupResult<Out[][]>> {
    const group = this.group();
    const inner = this.kwargs.task;
    const queue = overrides.queue ?? group.options.queue ?? inner.options?.queue ?? this.app?.tasks.get(inner.task)?.options.queue;
    return group.publish(args, kwargs, queue === undefined ? overrides : { ...overrides, queue }, controls);
  }
}

export function createMap<Out>(app: App, task: SignatureDict, items: Iterable<unknown>): XMap<Out> {
  return new XMap<Out>(app, MAP_TASK, [], { task, it: [...items] }, {}, true);
}

export function createStarmap<Out>(app: App, task: SignatureDict, items: Iterable<readonly unknown[]>): XStarmap<Out> {
  return new XStarmap<Out>(app, STARMAP_TASK, [], { task, it: [...items].map((item) => [...item]) }, {}, true);
}

export function createChunks<Out>(app: App, task: SignatureDict, items: Iterable<readonly unknown[]>, n: number): Chunks<Out> {
  if (!Number.isInteger(n) || n < 1) throw new TqError(ErrorCodes.INVALID_CONFIG, `chunks: n must be a positive integer, got ${n}`);
  return new Chunks<Out>(app, { task, it: [...items].map((item) => [...item]), n });
}

/** Reads and checks `{task, it, n}` (from code or from a message). */
export function chunkArgs(kwargs: Record<string, unknown>): { task: SignatureDict; it: unknown[][]; n: number } {
  const { task, it, n } = kwargs;
  if (typeof task !== 'object' || task === null) throw new TqError(ErrorCodes.MALFORMED_MESSAGE, 'celery.chunks: "task" must be a signature');
  if (!Array.isArray(it) || !it.every(Array.isArray)) throw new TqError(ErrorCodes.MALFORMED_MESSAGE, 'celery.chunks: "it" must be a list of argument lists');
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 1) throw new TqError(ErrorCodes.MALFORMED_MESSAGE, `celery.chunks: "n" must be a positive integer, got ${String(n)}`);
  return { task: task as SignatureDict, it: it as unknown[][], n };
}

/** Route a map/starmap/chunks message like the task it maps, unless a queue was chosen. */
function withInnerRoute(node: Signature, overrides: CeleryOptions): CeleryOptions {
  if (node.options.queue !== undefined || overrides.queue !== undefined) return overrides;
  const inner = node.kwargs.task as SignatureDict | undefined;
  const innerQueue = inner?.options?.queue ?? (inner ? node.app?.tasks.get(inner.task)?.options.queue : undefined);
  return innerQueue === undefined ? overrides : { ...overrides, queue: innerQueue };
}
