import type { App } from '../app/app.js';
import { ErrorCodes, TqError } from '../errors/tq-error.js';
import { CanvasNode, withExtras, type FreezeParams, type SignatureLike } from './canvas-node.js';
import type { CanvasResult, ResultNode } from './canvas-result.js';
import { Chord } from './chord.js';
import { GroupResult } from './group-result.js';
import { Group, maybeUnrollGroup, toNode } from './group.js';
import { type CeleryOptions, copyOptions, mergeOptions, type PublishControls, signatureList } from './options.js';
import type { SignatureDict } from './signature-dict.js';

/**
 * Tasks run one after the other, each getting the previous result prepended to its arguments (Celery's chain).
 * Only the first task is sent; the rest travel in its message's `embed.chain`, reversed (the next step is the last
 * element), so any worker, Python or tq, forwards the rest. A group followed by another step becomes a chord.
 */
export class Chain<In extends unknown[] = any[], Out = unknown, R extends ResultNode = CanvasResult<Out>> extends CanvasNode<In, Out, R> {
  readonly subtaskType = 'chain';
  readonly taskName = 'celery.chain';
  tasks: CanvasNode<any, any, any>[];

  constructor(app: App | undefined, tasks: readonly SignatureLike[], options: CeleryOptions = {}, immutable = false) {
    super(app, options, immutable);
    this.tasks = tasks.map((task) => toNode(task, app));
  }

  override get app(): App | undefined {
    return this.boundApp ?? this.tasks.find((task) => task.app)?.app;
  }

  toDict(): SignatureDict {
    return this.baseDict(this.taskName, [], { tasks: this.tasks.map((task) => task.toDict()) });
  }

  /** Partial arguments of a chain belong to its first task. */
  clone(args: unknown[] = [], kwargs: Record<string, unknown> = {}): Chain<In, Out, R> {
    const tasks = this.tasks.map((task, index) => (index === 0 && !this.immutable ? task.clone(args, kwargs) : task.clone()));
    return withExtras(new Chain<In, Out, R>(this.boundApp, tasks, copyOptions(this.options), this.immutable), this);
  }

  /** Freezes every step (ids up front); the handle is the last step's, its `parent` the step before. */
  freeze(params: FreezeParams = {}): R {
    const { steps, results } = prepareSteps(this.requireApp(), [], {}, this.tasks, { ...params, lastTaskId: params.taskId }, false);
    this.tasks = steps.reverse();
    return results[0] as R;
  }

  async publish(args: unknown[], kwargs: Record<string, unknown>, overrides: CeleryOptions, controls: PublishControls): Promise<R> {
    const app = this.requireApp();
    const options = mergeOptions(this.options, overrides);
    const { task_id, group_id, group_index, chord, link, link_error, root_id, parent_id, chain: outerChain, ...rest } = options;
    const partial = this.immutable ? [] : args;
    const { steps, results } = prepareSteps(
      app,
      partial,
      this.immutable ? {} : kwargs,
      this.tasks,
      {
        lastTaskId: str(task_id),
        groupId: str(group_id),
        groupIndex: typeof group_index === 'number' ? group_index : undefined,
        chord: chord && typeof chord === 'object' ? (chord as SignatureDict) : undefined,
        rootId: str(root_id),
        linkError: signatureList(link_error),
      },
      true,
    );
    if (steps.length === 0) throw new TqError(ErrorCodes.INVALID_CONFIG, 'cannot send an empty chain');
    const links = signatureList(link);
    if (links.length) for (const callback of links) steps[0]!.link(callback);
    const first = steps.pop()!;
    // The rest, still reversed, after whatever outer chain this one runs inside (Celery's options['chain'] + tasks).
    const remaining = [...(Array.isArray(outerChain) ? (outerChain as SignatureDict[]) : []), ...steps.map((step) => step.toDict())];
    const firstOptions: CeleryOptions = { ...rest, chain: remaining.length ? remaining : undefined, root_id, parent_id };
    const sent = await first.publish([], {}, firstOptions, controls);
    return (steps.length === 0 ? sent : results[0]) as R;
  }
}

interface PrepareParams extends FreezeParams {
  lastTaskId?: string;
  linkError?: SignatureDict[];
}

/**
 * Celery's `chain.prepare_steps`: walks the steps from last to first, unrolling nested chains, turning
 * `group, step` into `chord(group, step)`, freezing each step (the last one with the chain's own id and chord
 * membership), linking each result to the one before as its parent, and giving every step the chain's errbacks.
 * Returns the steps and results last-first, the order `embed.chain` uses.
 */
export function prepareSteps(
  app: App,
  args: unknown[],
  kwargs: Record<string, unknown>,
  tasks: readonly CanvasNode<any, any, any>[],
  params: PrepareParams,
  clone: boolean,
): { steps: CanvasNode<any, any, any>[]; results: ResultNode[] } {
  const pending = [...tasks];
  const steps: CanvasNode<any, any, any>[] = [];
  const results: ResultNode[] = [];
  let previous: CanvasNode<any, any, any> | undefined;
  let previousResult: ResultNode | undefined;
  while (pending.length) {
    let task = maybeUnrollGroup(pending.pop()!);
    const isFirst = pending.length === 0;
    const isLast = steps.length === 0;
    if (task instanceof Chain) {
      pending.push(...task.tasks);
      continue;
    }
    if (clone || isFirst) task = isFirst ? task.clone(args, kwargs) : task.clone();
    if (task instanceof Group && previous) {
      steps.pop();
      results.pop();
      // The chord takes the body's id; a group body has no single id (Celery's AttributeError branch).
      const bodyId = previousResult instanceof GroupResult ? undefined : previousResult?.id;
      task = new Chord(app, task, previous, bodyId ? { task_id: bodyId } : {});
    }
    const result = isLast
      ? task.freeze({ taskId: params.lastTaskId, rootId: params.rootId, groupId: params.groupId, chord: params.chord, groupIndex: params.groupIndex })
      : task.freeze({ rootId: params.rootId });
    if (previousResult && !previousResult.parent) previousResult.parent = result;
    for (const errback of params.linkError ?? []) task.linkError(errback);
    steps.push(task);
    results.push(result);
    previous = task;
    previousResult = result;
    if (task instanceof Chord) {
      task.ensureChordsAllowed();
      // The step before a chord is the parent of the chord's header group, not of its body.
      let node: ResultNode = result;
      while (node.parent) node = node.parent;
      previousResult = node;
    }
  }
  return { steps, results };
}

/**
 * Build a chain the way Celery's `a | b | c` does: nested chains are spliced, a group followed by a step becomes
 * a chord, a step after a chord extends the chord's body.
 */
export function foldChain(app: App | undefined, items: readonly SignatureLike[]): Chain {
  const tasks: CanvasNode<any, any, any>[] = [];
  for (const item of items) {
    const node = maybeUnrollGroup(toNode(item, app).clone());
    const last = tasks[tasks.length - 1];
    if (node instanceof Chain) tasks.push(...node.tasks.map((task) => task.clone()));
    else if (node instanceof Group) tasks.push(node);
    else if (last instanceof Group) tasks[tasks.length - 1] = new Chord(app ?? node.app, last, node);
    else if (last instanceof Chord) tasks[tasks.length - 1] = last.withBodyStep(node);
    else tasks.push(node);
  }
  return new Chain(app, tasks);
}

function str(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

