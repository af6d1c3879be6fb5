import type { CanvasNode, SignatureLike } from './canvas-node.js';
import type { SignatureDict } from './signature-dict.js';
import { type Chain, foldChain } from './chain.js';
import { Chord } from './chord.js';
import { Group } from './group.js';
import type { CheckChain, CheckChordBody, FirstIn, GroupIn, GroupOut, LastOut, LastResult, OutOf, ResultOf } from './types.js';

type AnyNode = CanvasNode<any, any, any>;

/**
 * `chain(a.s(1), b.s(), c.s())`: each step gets the previous result prepended to its arguments. A step that does
 * not accept the previous step's result type fails to compile (see types.ts for the limits). A group followed by
 * a step becomes a chord, a step after a chord extends its body, nested chains are spliced (Celery's `a | b | c`).
 */
export function chain<const S extends readonly [AnyNode, ...AnyNode[]]>(...steps: S & CheckChain<S>): Chain<FirstIn<S>, LastOut<S>, LastResult<S>>;
/** A chain from a list of any length; steps are not type-checked against each other. */
export function chain(steps: readonly SignatureLike[]): Chain<any[], unknown>;
export function chain(...items: unknown[]): Chain<any[], unknown> {
  const steps = (items.length === 1 && Array.isArray(items[0]) ? items[0] : items) as SignatureLike[];
  return foldChain(undefined, steps);
}

/** `group([a.s(1), b.s(2)])`: run in parallel; resolves to the results in order. */
export function group<const S extends readonly AnyNode[]>(tasks: S): Group<GroupIn<S>, GroupOut<S>>;
export function group<const S extends readonly AnyNode[]>(...tasks: S): Group<GroupIn<S>, GroupOut<S>>;
export function group(tasks: readonly SignatureLike[]): Group<any[], unknown[]>;
export function group(...items: unknown[]): Group<any[], unknown[]> {
  const tasks = (items.length === 1 && Array.isArray(items[0]) ? items[0] : items) as SignatureLike[];
  return new Group(undefined, tasks);
}

/**
 * `chord([a.s(1), a.s(2)], total.s())`: the body gets the header's results, in order, as one list, once every
 * header task is done. Fails to compile when the body does not accept that list.
 */
export function chord<const H extends readonly AnyNode[], B extends AnyNode>(header: H, body: B & CheckChordBody<B, GroupOut<H>>): Chord<GroupIn<H>, OutOf<B>, ResultOf<B>>;
export function chord<HIn extends unknown[], HOut extends unknown[], B extends AnyNode>(
  header: Group<HIn, HOut>,
  body: B & CheckChordBody<B, HOut>,
): Chord<HIn, OutOf<B>, ResultOf<B>>;
/** A chord from signature dicts (Celery's dict form); not type-checked. */
export function chord(header: readonly SignatureDict[], body: SignatureLike): Chord<any[], any>;
export function chord(header: Group | readonly SignatureLike[], body: SignatureLike): Chord<any[], unknown> {
  return new Chord(undefined, header, body);
}
