import type { App } from '../app/app.js';
import type { ApplyOptions } from '../app/task-options.js';
import { ErrorCodes, TqError } from '../errors/tq-error.js';
import type { ResultNode } from './canvas-result.js';
import {
  asDict,
  type CeleryOptions,
  controlsOf,
  type PublishControls,
  type SignatureOptions,
  signatureList,
  toCeleryOptions,
} from './options.js';
import { assertDepth, type SignatureDict, type SubtaskType } from './signature-dict.js';

/** Celery's freeze arguments: ids (and chord membership) fixed before anything is sent. */
export interface FreezeParams {
  taskId?: string;
  groupId?: string;
  groupIndex?: number;
  /** The chord body this node's (last) task completes a part of. */
  chord?: SignatureDict;
  rootId?: string;
  parentId?: string;
}

/** Anything canvas accepts where a signature goes: a node, or a signature dict (Celery's dict form). */
export type SignatureLike = CanvasNode<any, any, any> | SignatureDict;

/**
 * What signatures, chains, groups and chords share: options in Celery's dict form, links, freezing, and sending.
 * `In` is what the node still accepts when called, `Out` what it resolves to, `R` the handle `applyAsync` returns.
 */
export abstract class CanvasNode<In extends unknown[] = any[], Out = unknown, R extends ResultNode = ResultNode> {
  /** Phantom types for the compiler (never set at runtime). */
  declare readonly '~types'?: { readonly in: In; readonly out: Out };
  abstract readonly subtaskType: SubtaskType;
  /** Celery's task name for this node (`celery.chain`, `celery.group`... for composite ones). */
  abstract readonly taskName: string;
  options: CeleryOptions;
  immutable: boolean;
  /** Keys of the dict form beyond Celery's six (e.g. `chord_size`), kept so they travel on. */
  extras: Record<string, unknown> | undefined;
  protected boundApp: App | undefined;

  protected constructor(app: App | undefined, options: CeleryOptions = {}, immutable = false) {
    this.boundApp = app;
    this.options = options;
    this.immutable = immutable;
  }

  /** The app this node sends through: its own, else the first member's. */
  get app(): App | undefined {
    return this.boundApp;
  }

  /** Like `app`, but TQ_INVALID_CONFIG when there is none. */
  requireApp(): App {
    const app = this.app;
    if (!app) {
      throw new TqError(ErrorCodes.INVALID_CONFIG, 'this canvas has no app: build signatures with task.s() or signature(app, name)');
    }
    return app;
  }

  /** Celery's dict form of this node (what travels in `embed` and in options). */
  abstract toDict(): SignatureDict;

  /** A copy that shares nothing mutable; `args`/`kwargs` are partial arguments merged as Celery's `clone`. */
  abstract clone(args?: unknown[], kwargs?: Record<string, unknown>): CanvasNode<any, any, any>;

  /** Assign ids (and chord/group membership) now, without sending; returns the handle the send will fill. */
  abstract freeze(params?: FreezeParams): R;

  /** @internal Send with partial args/kwargs and Celery-keyed options; returns the handle to wait on. */
  abstract publish(args: unknown[], kwargs: Record<string, unknown>, options: CeleryOptions, controls: PublishControls): Promise<R>;

  /** Set options (queue, countdown, priority, ...) for when this node is sent. Returns this. */
  set(options: SignatureOptions & { immutable?: boolean }): this {
    const { immutable, ...rest } = options;
    if (immutable !== undefined) this.setImmutable(immutable);
    Object.assign(this.options, toCeleryOptions(rest));
    return this;
  }

  setImmutable(immutable: boolean): this {
    this.immutable = immutable;
    return this;
  }

  /** Run `callback` with this node's result when it succeeds. Returns the callback (Celery's `link`). */
  link<C extends SignatureLike>(callback: C): C {
    this.appendOption('link', callback);
    return callback;
  }

  /** Run `errback` when this node fails. Returns the errback (Celery's `link_error`). */
  linkError<C extends SignatureLike>(errback: C): C {
    this.appendOption('link_error', errback);
    return errback;
  }

  /** `linkError` that returns this node, for chaining calls (Celery's `on_error`). */
  onError(errback: SignatureLike): this {
    this.linkError(errback);
    return this;
  }

  /** Send it. `args` are prepended to the partial arguments (unless immutable); options apply to this send. */
  applyAsync(args?: In, kwargs?: Record<string, unknown> | null, options?: ApplyOptions): Promise<R> {
    try {
      assertDepth(this.toDict());
    } catch (error) {
      return Promise.reject(error);
    }
    return this.publish([...(args ?? [])], kwargs ?? {}, toCeleryOptions(options), controlsOf(options));
  }

  /** Send with positional arguments. */
  delay(...args: In): Promise<R> {
    return this.applyAsync(args);
  }

  /** The task id of a frozen (or explicitly id'd) node. */
  get id(): string | undefined {
    return typeof this.options.task_id === 'string' ? this.options.task_id : undefined;
  }

  protected appendOption(key: 'link' | 'link_error', value: SignatureLike): void {
    const list = signatureList(this.options[key]);
    const dict = asDict(value);
    if (!list.some((item) => JSON.stringify(item) === JSON.stringify(dict))) list.push(dict);
    this.options[key] = list;
  }

  /** The dict every node type shares, Celery's key order. */
  protected baseDict(task: string, args: unknown[], kwargs: Record<string, unknown>): SignatureDict {
    const dict: SignatureDict = { task, args, kwargs, options: structuredClone(this.options), subtask_type: this.subtaskType, immutable: this.immutable };
    return this.extras ? { ...structuredClone(this.extras), ...dict } : dict;
  }
}

/** Carries a node's extra dict keys over to its copy. */
export function withExtras<T extends CanvasNode<any, any, any>>(copy: T, source: CanvasNode<any, any, any>): T {
  if (source.extras) copy.extras = structuredClone(source.extras);
  return copy;
}
