import type { App } from '../app/app.js';
import { ErrorCodes, TqError } from '../errors/tq-error.js';
import { newTaskId } from '../protocol/ids.js';
import { CanvasNode, withExtras, type FreezeParams, type SignatureLike } from './canvas-node.js';
import type { CanvasResult, ResultNode } from './canvas-result.js';
import { Chain, foldChain } from './chain.js';
import { GroupResult } from './group-result.js';
import { Group, toNode, unrollGroup } from './group.js';
import { type CeleryOptions, copyOptions, mergeOptions, type PublishControls } from './options.js';
import type { SignatureDict } from './signature-dict.js';

/**
 * A group (the header) whose results, in order, are passed as one list to a body task when every header task has
 * finished (Celery's chord). Each header task carries the body in `embed.chord`; the worker that finishes the last
 * one sends the body. A failed or revoked header task fails the chord: the body's errbacks run with a ChordError
 * naming it. Needs a result backend with `capabilities.chords`.
 */
export class Chord<In extends unknown[] = any[], Out = unknown, R extends ResultNode = CanvasResult<Out>> extends CanvasNode<In, Out, R> {
  readonly subtaskType = 'chord';
  readonly taskName = 'celery.chord';
  header: Group;
  body: CanvasNode<any, any, any>;
  /** Partial arguments for the header tasks. */
  args: unknown[];

  constructor(app: App | undefined, header: Group | readonly SignatureLike[], body: SignatureLike, options: CeleryOptions = {}, immutable = false, args: unknown[] = []) {
    super(app, options, immutable);
    this.header = header instanceof Group ? header : new Group(app, header);
    this.body = toNode(body, app);
    this.args = args;
  }

  override get app(): App | undefined {
    return this.boundApp ?? this.header.app ?? this.body.app;
  }

  /** Celery's dict form; the header is a list until frozen, then the frozen group's dict. */
  toDict(): SignatureDict {
    const header = typeof this.header.options.task_id === 'string' ? this.header.toDict() : this.header.tasks.map((task) => task.toDict());
    return this.baseDict(this.taskName, structuredClone(this.args), { kwargs: {}, header, body: this.body.toDict() });
  }

  clone(args: unknown[] = [], _kwargs: Record<string, unknown> = {}): Chord<In, Out, R> {
    const partial = args.length && !this.immutable ? [...args, ...this.args] : [...this.args];
    return withExtras(new Chord<In, Out, R>(this.boundApp, this.header.clone(), this.body.clone(), copyOptions(this.options), this.immutable, structuredClone(partial)), this);
  }

  /** `chord | step`: the step runs after the body (Celery extends the body into a chain). */
  withBodyStep(step: SignatureLike): Chord<In, Out, R> {
    const copy = this.clone();
    copy.body = foldChain(this.app, [copy.body, step]);
    return copy;
  }

  /** A link on a chord is a link on its body; so is an errback. */
  override link<C extends SignatureLike>(callback: C): C {
    this.body.link(callback);
    return callback;
  }

  override linkError<C extends SignatureLike>(errback: C): C {
    this.body.linkError(errback);
    return errback;
  }

  /** Immutability applies to the header tasks, not the body (Celery's chord.set_immutable). */
  override setImmutable(immutable: boolean): this {
    this.header.setImmutable(immutable);
    return this;
  }

  /** How many header parts complete the chord (Celery's `_descend`): what `setChordSize` records. */
  get size(): number {
    return this.header.tasks.reduce((sum, task) => sum + partCount(task), 0);
  }

  /** Freezes the body (its id is the chord's result) and the header (ids, indexes, the body in `chord`). */
  freeze(params: FreezeParams = {}): R {
    const bodyResult = this.body.freeze({
      taskId: params.taskId,
      rootId: params.rootId,
      chord: params.chord,
      groupId: params.groupId,
      groupIndex: params.groupIndex,
    }) as R;
    const headerResult = this.header.freeze({ parentId: params.parentId, rootId: params.rootId, chord: this.body.toDict() });
    linkToHeader(bodyResult, headerResult);
    this.options.task_id = this.header.options.task_id;
    return bodyResult;
  }

  async publish(args: unknown[], kwargs: Record<string, unknown>, overrides: CeleryOptions, controls: PublishControls): Promise<R> {
    const app = this.requireApp();
    this.ensureChordsAllowed();
    const headerArgs = args.length && !this.immutable ? [...args, ...this.args] : this.args;
    const options = mergeOptions(this.options, overrides);
    const bodyTaskId = typeof options.task_id === 'string' && options.task_id !== this.header.options.task_id ? options.task_id : undefined;
    delete options.task_id;
    const header = this.header.clone();
    const groupId = typeof header.options.task_id === 'string' ? header.options.task_id : newTaskId();
    const body = this.body.clone();
    // Celery: the chord's own options (chain, outer chord membership, queue...) go to the body.
    Object.assign(body.options, withoutUndefined(options));
    const rootId = typeof body.options.root_id === 'string' ? body.options.root_id : undefined;
    const bodyResult = body.freeze({ taskId: bodyTaskId, rootId }) as R;
    const bodyDict = body.toDict();
    const size = header.tasks.reduce((sum, task) => sum + partCount(task), 0);
    checkDeclaredSize(bodyDict, size);
    // What went to the body (its chain, links, outer chord membership) must not reach the header tasks.
    const { chain: _chain, chord: _chord, group_id: _groupId, group_index: _groupIndex, link: _link, link_error: _linkError, ...headerOptions } = options;
    let headerResult: GroupResult;
    if (header.tasks.length === 0) {
      // Nothing will ever complete an empty header: the body runs at once with no results.
      await body.publish([[]], {}, {}, controls);
      headerResult = new GroupResult(groupId, [], app);
    } else {
      header.options.task_id = groupId;
      header.tasks = unrollGroup(header.tasks);
      const frozen = header.tasks.map((task, groupIndex) => task.freeze({ groupId, chord: bodyDict, rootId, groupIndex }));
      // The frozen header goes along for backends that save it (Celery's cache backend does in apply_chord).
      const saved = { group_id: groupId, result: new GroupResult(groupId, frozen, app).asTuple() };
      await app.requireBackend().setChordSize(groupId, size, { ttlMs: app.resultExpiresMs, signal: controls.signal, header: saved });
      headerResult = await header.publish(headerArgs, kwargs, { ...headerOptions, task_id: groupId }, controls);
    }
    headerResult.chordBody = bodyDict;
    linkToHeader(bodyResult, headerResult);
    return bodyResult;
  }

  /** TQ_NOT_SUPPORTED unless the app's result backend can complete chords (Celery: the RPC backend cannot). */
  ensureChordsAllowed(): void {
    const backend = this.requireApp().backend;
    if (!backend) throw new TqError(ErrorCodes.INVALID_CONFIG, 'chords need a result backend: configure one (backend in createApp)');
    if (!backend.capabilities.chords) {
      throw new TqError(ErrorCodes.NOT_SUPPORTED, 'this result backend does not support chords (Celery refuses them on the RPC backend too)', {
        details: { capability: 'chords' },
      });
    }
  }
}

/** Celery's `_descend`: a task counts 1, a group its members, a chain its last counting step, a chord its body. */
export function partCount(node: CanvasNode<any, any, any>): number {
  if (node instanceof Group) return node.tasks.reduce((sum, task) => sum + partCount(task), 0);
  if (node instanceof Chain) {
    for (let index = node.tasks.length - 1; index >= 0; index--) {
      const count = partCount(node.tasks[index]!);
      if (count > 0) return count;
    }
    return 0;
  }
  if (node instanceof Chord) return partCount(node.body);
  return 1;
}

/** A body dict may declare `chord_size` (Celery reads it); it must match the header. */
export function checkDeclaredSize(body: SignatureDict, size: number): void {
  const declared = body.chord_size;
  if (declared !== undefined && declared !== null && declared !== size) {
    throw new TqError(ErrorCodes.INVALID_CONFIG, `chord body declares chord_size ${String(declared)} but the header has ${size} parts`, {
      details: { declared, size },
    });
  }
}

/** The body's first result (a chain body has several) gets the header group as its parent. */
function linkToHeader(bodyResult: ResultNode, headerResult: ResultNode): void {
  let node: ResultNode = bodyResult;
  const seen = new Set<string>();
  while (node.parent && !seen.has(node.id)) {
    seen.add(node.id);
    node = node.parent;
  }
  node.parent = headerResult;
}

function withoutUndefined(options: CeleryOptions): CeleryOptions {
  return Object.fromEntries(Object.entries(options).filter(([, value]) => value !== undefined && value !== null));
}
