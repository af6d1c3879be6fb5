import type { App } from '../app/app.js';
import { AsyncResult } from '../app/async-result.js';
import { type GroupResult, resultFromTuple } from './group-result.js';

/** Celery's result tuple: `[[id, parentTuple | null], null]` for a task, `[[gid, parent], [members...]]` for a group. */
export type ResultTuple = [[string, ResultTuple | null], ResultTuple[] | null];

/** Anything a canvas call returns: one task's result or a group's. */
export type ResultNode = CanvasResult<any> | GroupResult<any>;

/**
 * The result of a task sent by canvas: an AsyncResult that also knows the result it follows (`parent`: the step
 * before in a chain, the header group of a chord) and can list the tasks this task sent (`children`), as Celery's
 * `AsyncResult.parent` / `.children`.
 */
export class CanvasResult<T = unknown> extends AsyncResult<T> {
  parent: ResultNode | undefined;

  constructor(
    id: string,
    readonly app: App,
    parent?: ResultNode,
  ) {
    super(id, () => app.requireBackend());
    this.parent = parent;
  }

  /** Celery's `as_tuple()`: how results are nested in `children` and saved groups. */
  asTuple(): ResultTuple {
    return [[this.id, this.parent ? this.parent.asTuple() : null], null];
  }

  /** Results of the tasks this task sent (callbacks, the next chain step), read from its stored meta. */
  async children(): Promise<ResultNode[]> {
    const children = (await this.meta()).children ?? [];
    return children.flatMap((child) => {
      const node = resultFromTuple(this.app, child);
      return node ? [node] : [];
    });
  }
}
