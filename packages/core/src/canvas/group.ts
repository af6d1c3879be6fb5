import type { App } from '../app/app.js';
import { ErrorCodes, TqError } from '../errors/tq-error.js';
import { newTaskId } from '../protocol/ids.js';
import { CanvasNode, withExtras, type FreezeParams, type SignatureLike } from './canvas-node.js';
import type { ResultNode } from './canvas-result.js';
import { signatureFromDict } from './from-dict.js';
import { GroupResult } from './group-result.js';
import { type CeleryOptions, copyOptions, mergeOptions, type PublishControls } from './options.js';
import type { SignatureDict } from './signature-dict.js';

/**
 * Tasks run in parallel, sharing a group id (Celery's group). Resolves to a GroupResult with the members' results
 * in order. Partial arguments given when it is called go to every member. Nested groups are flattened.
 */
export class Group<In extends unknown[] = any[], Out extends unknown[] = unknown[]> extends CanvasNode<In, Out, GroupResult<Out>> {
  readonly subtaskType = 'group';
  readonly taskName = 'celery.group';
  tasks: CanvasNode<any, any, any>[];

  constructor(app: App | undefined, tasks: readonly SignatureLike[], options: CeleryOptions = {}, immutable = false) {
    super(app, options, immutable);
    this.tasks = tasks.map((task) => toNode(task, app));
  }

  override get app(): App | undefined {
    return this.boundApp ?? this.tasks.find((task) => task.app)?.app;
  }

  get length(): number {
    return this.tasks.length;
  }

  toDict(): SignatureDict {
    return this.baseDict(this.taskName, [], { tasks: this.tasks.map((task) => task.toDict()) });
  }

  clone(args: unknown[] = [], kwargs: Record<string, unknown> = {}): Group<In, Out> {
    return withExtras(
      new Group<In, Out>(this.boundApp, this.tasks.map((task) => task.clone(args, kwargs)), copyOptions(this.options), this.immutable),
      this,
    );
  }

  /** Immutability applies to the members (Celery's group.set_immutable). */
  override setImmutable(immutable: boolean): this {
    for (const task of this.tasks) task.setImmutable(immutable);
    return this;
  }

  /**
   * A link on a group goes to its first member, made immutable: Celery's behaviour, and why a chord is what you
   * want to run something after the whole group.
   */
  override link<C extends SignatureLike>(callback: C): C {
    const first = this.tasks[0];
    if (!first) throw new TqError(ErrorCodes.INVALID_CONFIG, 'cannot link an empty group');
    first.link(toNode(callback, this.app).clone().setImmutable(true));
    return callback;
  }

  /** Any member may fail, so every member gets the errback (it may run more than once). */
  override linkError<C extends SignatureLike>(errback: C): C {
    for (const task of this.tasks) task.linkError(errback);
    return errback;
  }

  /** Celery's group freeze: the group id is fixed (kept if set); members get ids and their index. */
  freeze(params: FreezeParams = {}): GroupResult<Out> {
    const app = this.requireApp();
    const options = this.options;
    if (typeof options.task_id !== 'string') options.task_id = params.groupId ?? newTaskId();
    if (params.groupId) options.group_id = params.groupId;
    if (params.chord) options.chord = params.chord;
    if (params.groupIndex !== undefined) options.group_index = params.groupIndex;
    if (options.root_id === undefined) options.root_id = params.rootId ?? null;
    if (options.parent_id === undefined) options.parent_id = params.parentId ?? null;
    this.tasks = unrollGroup(this.tasks).map((task) => task.clone());
    const results = this.tasks.map((task, groupIndex) =>
      task.freeze({
        groupId: params.groupId,
        chord: params.chord,
        rootId: stringOr(options.root_id),
        parentId: stringOr(options.parent_id),
        groupIndex,
      }),
    );
    return new GroupResult<Out>(options.task_id as string, results, app);
  }

  async publish(args: unknown[], kwargs: Record<string, unknown>, overrides: CeleryOptions, controls: PublishControls): Promise<GroupResult<Out>> {
    const app = this.requireApp();
    if (overrides.link !== undefined) throw new TqError(ErrorCodes.INVALID_CONFIG, 'cannot link a group: use a chord to run something after it');
    if (overrides.link_error !== undefined) {
      throw new TqError(ErrorCodes.INVALID_CONFIG, 'cannot add link_error to a group send: add it to the members (group.linkError)');
    }
    const options = mergeOptions(this.options, overrides);
    const groupId = typeof options.task_id === 'string' ? options.task_id : newTaskId();
    delete options.task_id;
    options.group_id = groupId;
    // group_index and chord describe the group's own place in an outer chord, never its members'.
    delete options.group_index;
    delete options.chord;
    const rootId = stringOr(options.root_id);
    const partial = this.immutable ? [] : args;
    const members = unrollGroup(this.tasks).map((task) => task.clone());
    const results: ResultNode[] = [];
    for (const [groupIndex, member] of members.entries()) {
      member.freeze({ groupId, rootId, groupIndex });
      results.push(await member.publish(partial, kwargs, memberOptions(member, options), controls));
    }
    return new GroupResult<Out>(groupId, results, app);
  }
}

/** Options a member is sent with: the group's, under the member's own frozen membership (group, index, chord). */
function memberOptions(member: CanvasNode<any, any, any>, groupOptions: CeleryOptions): CeleryOptions {
  const options = { ...groupOptions };
  for (const key of ['group_index', 'chord', 'task_id'] as const) {
    if (member.options[key] !== undefined) delete options[key];
  }
  return options;
}

/** Celery unrolls nested groups: their members join the outer group in place. */
export function unrollGroup(tasks: readonly CanvasNode<any, any, any>[]): CanvasNode<any, any, any>[] {
  return tasks.flatMap((task) => (task instanceof Group ? unrollGroup(task.tasks) : [task]));
}

/** A group of one is just its member (Celery's maybe_unroll_group). */
export function maybeUnrollGroup(node: CanvasNode<any, any, any>): CanvasNode<any, any, any> {
  return node instanceof Group && node.tasks.length === 1 ? node.tasks[0]!.clone() : node;
}

export function toNode(value: SignatureLike, app: App | undefined): CanvasNode<any, any, any> {
  return value instanceof CanvasNode ? value : signatureFromDict(value, app);
}

function stringOr(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}
