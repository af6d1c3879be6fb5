import type { App } from '../app/app.js';
import { errorFromMeta, type GetOptions } from '../app/async-result.js';
import type { ResultMeta } from '../contracts/result-backend.js';
import { PROPAGATE_STATES, READY_STATES, States } from '../contracts/result-backend.js';
import { ErrorCodes, TqError, throwIfAborted } from '../errors/tq-error.js';
import type { SignatureDict } from '../protocol/task-message.js';
import { CanvasResult, type ResultNode, type ResultTuple } from './canvas-result.js';
import { revokeMembers } from './revoke.js';

/** A group member found in the backend while joining. */
interface Joined {
  value: unknown;
  meta: ResultMeta | undefined;
}

/**
 * The results of a group, in the order of its members (Celery's GroupResult). Reads go to the backend; `get`
 * waits for every member, one after the other, within one overall timeout.
 */
export class GroupResult<T extends unknown[] = unknown[]> {
  parent: ResultNode | undefined;
  /** Set by a chord built in this process: lets `revoke()` finish the chord instead of leaving it waiting. */
  chordBody: SignatureDict | undefined;

  constructor(
    readonly id: string,
    readonly results: ResultNode[],
    readonly app: App,
    parent?: ResultNode,
  ) {
    this.parent = parent;
  }

  /** Rebuild a group saved with `save()` (Celery's `GroupResult.restore`); undefined if nothing is saved. */
  static async restore<T extends unknown[] = unknown[]>(app: App, groupId: string, options: { signal?: AbortSignal } = {}): Promise<GroupResult<T> | undefined> {
    const saved = await app.requireBackend().getGroup(groupId, options);
    if (!saved) return undefined;
    const node = resultFromTuple(app, saved.result);
    if (node instanceof GroupResult) return node as GroupResult<T>;
    throw new TqError(ErrorCodes.DECODE, `saved group ${groupId} does not hold a group result tuple`, { details: { groupId } });
  }

  get size(): number {
    return this.results.length;
  }

  asTuple(): ResultTuple {
    return [[this.id, this.parent ? this.parent.asTuple() : null], this.results.map((result) => result.asTuple())];
  }

  /** Store the group so another process can `GroupResult.restore(app, id)` it. */
  async save(options: { signal?: AbortSignal } = {}): Promise<void> {
    await this.app
      .requireBackend()
      .saveGroup(this.id, { group_id: this.id, result: this.asTuple(), date_done: new Date().toISOString() }, { ttlMs: this.app.resultExpiresMs, signal: options.signal });
  }

  async forget(options: { signal?: AbortSignal } = {}): Promise<void> {
    const backend = this.app.requireBackend();
    await Promise.all(this.results.map((result) => result.forget()));
    await backend.forgetGroup(this.id, options);
  }

  /** Every member's result, in order. A failed member throws (TaskFailedError) unless `propagate: false`. */
  async get(options: GetOptions = {}): Promise<T> {
    return this.join(options);
  }

  /** Celery's `join`: waits for each member in order; the timeout (seconds) covers the whole group. */
  async join(options: GetOptions = {}): Promise<T> {
    const deadline = options.timeout === undefined ? undefined : Date.now() + options.timeout * 1000;
    const values: unknown[] = [];
    for (const result of this.results) {
      throwIfAborted(options.signal, 'GroupResult.join');
      const remaining = deadline === undefined ? undefined : Math.max(0, deadline - Date.now()) / 1000;
      const joined = await joinOne(result, { ...options, timeout: remaining });
      values.push(joined.value);
    }
    return values as T;
  }

  /** How many members succeeded (Celery's `completed_count`). */
  async completedCount(): Promise<number> {
    const states = await this.states();
    return states.filter((state) => state === States.SUCCESS).length;
  }

  async ready(): Promise<boolean> {
    return (await this.states()).every((state) => READY_STATES.has(state));
  }

  async successful(): Promise<boolean> {
    return (await this.states()).every((state) => state === States.SUCCESS);
  }

  async failed(): Promise<boolean> {
    return (await this.states()).some((state) => state === States.FAILURE);
  }

  /** Some member is not finished yet (Celery's `waiting`). */
  async waiting(): Promise<boolean> {
    return !(await this.ready());
  }

  /**
   * Revoke the members that have not finished. tq has no remote control yet, so this stores REVOKED for every
   * member not in a ready state; a worker that already holds the message still runs it and overwrites that
   * state. When this group is the header of a chord built in this process, the revoked members are also
   * reported to the chord, so its body's error callbacks run (ChordError) instead of the chord waiting forever.
   */
  async revoke(options: { signal?: AbortSignal } = {}): Promise<string[]> {
    return revokeMembers(this, options);
  }

  private async states(): Promise<string[]> {
    const states: string[] = [];
    for (const result of this.results) {
      if (result instanceof GroupResult) {
        const ready = await result.ready();
        const ok = ready && (await result.successful());
        states.push(ok ? States.SUCCESS : ready ? States.FAILURE : States.PENDING);
      } else {
        states.push(await result.state());
      }
    }
    return states;
  }
}

async function joinOne(result: ResultNode, options: GetOptions): Promise<Joined> {
  if (result instanceof GroupResult) return { value: await result.join(options), meta: undefined };
  const meta = await result.app.requireBackend().waitFor(result.id, {
    signal: options.signal,
    timeoutMs: options.timeout === undefined ? undefined : options.timeout * 1000,
  });
  if (options.propagate !== false && PROPAGATE_STATES.has(meta.status)) throw errorFromMeta(meta);
  return { value: meta.result, meta };
}

/**
 * Celery's `result_from_tuple`: `[[id, parent], null]` → a task result, `[[gid, parent], [...]]` → a group.
 * Also accepts a bare id string. Anything else → undefined.
 */
export function resultFromTuple(app: App, tuple: unknown): ResultNode | undefined {
  if (typeof tuple === 'string') return new CanvasResult(tuple, app);
  if (!Array.isArray(tuple) || !Array.isArray(tuple[0])) return undefined;
  const [[id, parentTuple], members] = tuple as [[unknown, unknown], unknown];
  if (typeof id !== 'string') return undefined;
  const parent = parentTuple ? resultFromTuple(app, parentTuple) : undefined;
  if (Array.isArray(members)) {
    const results = members.map((member) => resultFromTuple(app, member)).filter((node): node is ResultNode => node !== undefined);
    return new GroupResult(id, results, app, parent);
  }
  return new CanvasResult(id, app, parent);
}
