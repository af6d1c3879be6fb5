import type { App } from './app.js';
import type { AsyncResult } from './async-result.js';
import { Signature } from '../canvas/signature.js';
import { type Chunks, createChunks, createMap, createStarmap, type XMap, type XStarmap } from '../canvas/map.js';
import type { RemainingParams, Suffixes } from '../canvas/types.js';
import type { TaskContext } from './task-context.js';
import type { SendManyOptions } from './send-many.js';
import type { ApplyOptions, TaskOptions } from './task-options.js';

/** A task body. Use a `function` to read `this` (the TaskContext); arrow functions can call currentTask(). */
export type TaskHandler = (this: TaskContext, ...args: any[]) => unknown;

/** The positional arguments a task accepts. */
export type TaskArgs<F> = F extends (this: any, ...args: infer A) => any ? A : unknown[];
/** What a task resolves to once awaited. */
export type TaskResult<F> = F extends (this: any, ...args: any[]) => infer R ? Awaited<R> : unknown;

/**
 * The result of sending a task. Await it to know the broker has the message (and get the AsyncResult), or call
 * `.get()` straight away to wait for the task's return value.
 */
export type PendingResult<T> = Promise<AsyncResult<T>> & {
  readonly id: string;
  get(options?: { timeout?: number; signal?: AbortSignal; propagate?: boolean }): Promise<T>;
};

export interface Task<F extends TaskHandler = TaskHandler> {
  readonly name: string;
  readonly options: Readonly<TaskOptions>;
  readonly handler: F;
  readonly app: App;
  /** Send with positional arguments. */
  delay(...args: TaskArgs<F>): PendingResult<TaskResult<F>>;
  /**
   * Send one task per argument list in few broker round trips (BullMQ's addBulk); resolves with their results, in
   * order, once the broker has them all. Per-call options: `app.sendTasks`.
   */
  delayMany(argsLists: Iterable<TaskArgs<F>>, options?: SendManyOptions): Promise<AsyncResult<TaskResult<F>>[]>;
  /** Send with arguments, keyword arguments and options (countdown, eta, queue, priority...). */
  applyAsync(args?: TaskArgs<F>, kwargs?: Record<string, unknown> | null, options?: ApplyOptions): PendingResult<TaskResult<F>>;
  /**
   * A signature with partial arguments (the trailing ones: what a chain step or callback receives is prepended,
   * Celery's rule). `add.s(2)` still accepts one number.
   */
  s<A extends Suffixes<TaskArgs<F>>>(...args: A): Signature<RemainingParams<TaskArgs<F>, A>, TaskResult<F>>;
  /** An immutable signature: all arguments fixed; results of earlier steps are not passed to it. */
  si(...args: TaskArgs<F>): Signature<unknown[], TaskResult<F>>;
  /** One `celery.map` task calling this task on each item, one after the other, in one worker. */
  map(items: Iterable<TaskArgs<F>[0]>): XMap<TaskResult<F>>;
  /** One `celery.starmap` task calling this task with each argument list, in one worker. */
  starmap(items: Iterable<TaskArgs<F>>): XStarmap<TaskResult<F>>;
  /** The argument lists split into chunks of n, each a starmap task, sent as a group. */
  chunks(items: Iterable<TaskArgs<F>>, n: number): Chunks<TaskResult<F>>;
}

/** Any task handle; used where the handler type does not matter. */
export type AnyTask = Task<any>;

export function createTask<F extends TaskHandler>(app: App, name: string, handler: F, options: TaskOptions): Task<F> {
  const task: Task<F> = {
    name,
    options: Object.freeze({ ...options }),
    handler,
    app,
    delay: (...args) => app.sendTask<Task<F>>(name, args, {}, {}),
    delayMany: (argsLists, sendOptions) =>
      app.sendTasks(
        Array.from(argsLists, (args) => ({ name, args: args as unknown[] })),
        sendOptions,
      ) as Promise<AsyncResult<TaskResult<F>>[]>,
    applyAsync: (args, kwargs, applyOptions) =>
      app.sendTask<Task<F>>(name, (args ?? []) as TaskArgs<F>, kwargs ?? {}, applyOptions ?? {}),
    s: (...args) => new Signature(app, name, [...args], {}, routedOptions(options)) as never,
    si: (...args) => new Signature(app, name, [...args], {}, routedOptions(options), true),
    map: (items) => createMap(app, new Signature(app, name).toDict(), items),
    starmap: (items) => createStarmap(app, new Signature(app, name).toDict(), items as Iterable<unknown[]>),
    chunks: (items, n) => createChunks(app, new Signature(app, name).toDict(), items as Iterable<unknown[]>, n),
  };
  return Object.freeze(task);
}

/**
 * A signature of a task with its own queue carries that queue in its options, so whichever worker forwards it
 * (a Python one, which does not know tq's task options) sends it where this task is consumed.
 */
function routedOptions(options: TaskOptions): Record<string, unknown> {
  return options.queue === undefined ? {} : { queue: options.queue };
}
