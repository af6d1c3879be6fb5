import type { App } from '../app/app.js';
import { newTaskId } from '../protocol/ids.js';
import { CanvasNode, withExtras, type FreezeParams } from './canvas-node.js';
import { CanvasResult } from './canvas-result.js';
import { signatureFromDict } from './from-dict.js';
import { type CeleryOptions, copyOptions, mergeOptions, type PublishControls, type SignatureOptions, toApplyOptions, toCeleryOptions } from './options.js';
import type { SignatureDict } from './signature-dict.js';

export interface SignatureInit {
  args?: unknown[];
  kwargs?: Record<string, unknown>;
  options?: SignatureOptions;
  immutable?: boolean;
}

/**
 * One task call with (partial) arguments and options: Celery's Signature. Made with `task.s(...)`, `task.si(...)`
 * or `signature(app, name, ...)` for tasks defined elsewhere (a Python worker's). Arguments given when it is
 * called are prepended to the partial ones, unless it is immutable.
 */
export class Signature<In extends unknown[] = any[], Out = unknown> extends CanvasNode<In, Out, CanvasResult<Out>> {
  readonly subtaskType = null;
  readonly task: string;
  args: unknown[];
  kwargs: Record<string, unknown>;

  constructor(app: App | undefined, task: string, args: unknown[] = [], kwargs: Record<string, unknown> = {}, options: CeleryOptions = {}, immutable = false) {
    super(app, options, immutable);
    this.task = task;
    this.args = args;
    this.kwargs = kwargs;
  }

  /** Rebuild any canvas node from Celery's dict form; TQ_MALFORMED_MESSAGE when the dict is not one. */
  static fromDict(dict: unknown, app?: App): CanvasNode<any[], any, any> {
    return signatureFromDict(dict, app);
  }

  get taskName(): string {
    return this.task;
  }

  toDict(): SignatureDict {
    return this.baseDict(this.task, structuredClone(this.args), structuredClone(this.kwargs));
  }

  clone(args: unknown[] = [], kwargs: Record<string, unknown> = {}): this {
    const merged = this.mergeArgs(args, kwargs);
    const Ctor = this.constructor as new (...params: ConstructorParameters<typeof Signature>) => this;
    return withExtras(new Ctor(this.app, this.task, structuredClone(merged.args), structuredClone(merged.kwargs), copyOptions(this.options), this.immutable), this);
  }

  /** Celery's freeze: fixes the task id (kept if already set), reply_to, and chord/group membership. */
  freeze(params: FreezeParams = {}): CanvasResult<Out> {
    const app = this.requireApp();
    const options = this.options;
    if (typeof options.task_id !== 'string') options.task_id = params.taskId ?? newTaskId();
    if (params.rootId) options.root_id = params.rootId;
    if (params.parentId) options.parent_id = params.parentId;
    if (options.reply_to === undefined) options.reply_to = app.backend?.replyTo ?? app.oid;
    if (params.groupId && options.group_id === undefined) options.group_id = params.groupId;
    if (params.chord) options.chord = params.chord;
    if (params.groupIndex !== undefined) options.group_index = params.groupIndex;
    return new CanvasResult<Out>(options.task_id as string, app);
  }

  async publish(args: unknown[], kwargs: Record<string, unknown>, overrides: CeleryOptions, controls: PublishControls): Promise<CanvasResult<Out>> {
    const app = this.requireApp();
    const merged = this.mergeArgs(args, kwargs);
    const options = mergeOptions(this.options, overrides);
    const taskId = typeof options.task_id === 'string' ? options.task_id : newTaskId();
    await app.publishTask(taskId, this.task, merged.args, merged.kwargs, toApplyOptions({ ...options, task_id: taskId }, controls));
    return new CanvasResult<Out>(taskId, app);
  }

  /** Celery's `_merge`: new args go first, kwargs merge over the partial ones; an immutable signature ignores both. */
  protected mergeArgs(args: unknown[], kwargs: Record<string, unknown>): { args: unknown[]; kwargs: Record<string, unknown> } {
    if (this.immutable) return { args: this.args, kwargs: this.kwargs };
    return {
      args: args.length ? [...args, ...this.args] : this.args,
      kwargs: Object.keys(kwargs).length ? { ...this.kwargs, ...kwargs } : this.kwargs,
    };
  }
}

/**
 * A signature for a task by name, typed by hand when the task is not defined in this process:
 * `signature<[number], string>(app, 'py.format', { args: [2] })`. Untyped, it accepts anything and its result is
 * `any`, so it never blocks a chain's type check.
 */
export function signature<In extends unknown[] = any[], Out = any>(app: App, task: string, init: SignatureInit = {}): Signature<In, Out> {
  return new Signature<In, Out>(app, task, init.args ?? [], init.kwargs ?? {}, toCeleryOptions(init.options), init.immutable ?? false);
}
