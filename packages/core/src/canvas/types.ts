/**
 * Type-level rules for canvas, so a workflow whose steps do not fit together fails to compile.
 *
 * Every canvas node carries two phantom types: `In`, the arguments it still accepts when called (a chain step
 * receives the previous result as its first argument, Celery's rule that new arguments are prepended to the
 * partial ones), and `Out`, what it resolves to. Limits, where TypeScript cannot follow:
 * - Handlers with rest parameters (`...xs: number[]`) accept anything of that element type; optional parameters
 *   become required once a later one is given in `s()`.
 * - Signatures made by name (`signature(app, 'py.task')`) and rebuilt from dicts are `unknown[] -> unknown` unless
 *   you give the types yourself; so are keyword arguments, which are never checked.
 * - Only tuples of known length are checked step by step: a chain built from an array of unknown length is
 *   accepted as is.
 */

/** Every ordered suffix of a parameter list: the partial arguments `task.s(...)` may be given. */
export type Suffixes<P extends readonly unknown[]> = P extends readonly [unknown, ...infer Rest]
  ? P | Suffixes<Rest>
  : P extends readonly []
    ? []
    : P | [];

type DropLast<P extends readonly unknown[], N extends number, Dropped extends unknown[] = []> = Dropped['length'] extends N
  ? P
  : P extends readonly [...infer Init, unknown]
    ? DropLast<Init, N, [...Dropped, unknown]>
    : P;

/** The parameters left once `A` (a suffix) has been given as partial arguments. */
export type RemainingParams<P extends readonly unknown[], A extends readonly unknown[]> = number extends A['length']
  ? P
  : A extends readonly []
    ? P
    : DropLast<Required<P>, A['length']>;

/** What a canvas node still accepts (`In`) and resolves to (`Out`), read from its phantom types. */
export type InOf<S> = S extends { readonly '~types'?: { readonly in: infer I; readonly out: any } } ? I : never;
export type OutOf<S> = S extends { readonly '~types'?: { readonly in: any; readonly out: infer O } } ? O : never;

/** The handle a node's send resolves to (a task's result, or a GroupResult). */
export type ResultOf<S> = S extends { publish(...args: any[]): Promise<infer R> } ? R : never;

/** True when a node can be called with the previous step's result as its only new argument. */
export type AcceptsResult<S, Prev> = [Prev] extends InOf<S> ? true : false;

/** Shown by the compiler in place of a chain step that does not accept the previous result. */
export interface ChainStepMismatch<Step, Prev> {
  readonly 'this chain step does not accept the previous result': Prev;
  readonly step: Step;
}

type CheckFollowing<S extends readonly unknown[], Prev> = S extends readonly [infer Head, ...infer Tail]
  ? [AcceptsResult<Head, Prev> extends true ? Head : ChainStepMismatch<Head, Prev>, ...CheckFollowing<Tail, OutOf<Head>>]
  : S;

/** The steps of a chain, each replaced by a ChainStepMismatch where it does not accept what the one before returns. */
export type CheckChain<S extends readonly unknown[]> = S extends readonly [infer Head, ...infer Tail]
  ? [Head, ...CheckFollowing<Tail, OutOf<Head>>]
  : S;

export type FirstIn<S extends readonly unknown[]> = S extends readonly [infer First, ...unknown[]] ? InOf<First> : unknown[];
export type LastOut<S extends readonly unknown[]> = S extends readonly [...unknown[], infer Last]
  ? OutOf<Last>
  : S extends readonly (infer Item)[]
    ? OutOf<Item>
    : unknown;

export type LastResult<S extends readonly unknown[]> = S extends readonly [...unknown[], infer Last] ? ResultOf<Last> : any;

type UnionToIntersection<U> = (U extends unknown ? (value: U) => void : never) extends (value: infer I) => void ? I : never;

/** A group accepts what every member accepts. */
export type GroupIn<S extends readonly unknown[]> = number extends S['length']
  ? InOf<S[number]>
  : S extends readonly []
    ? unknown[]
    : UnionToIntersection<InOf<S[number]>> & unknown[];

/** A group resolves to its members' results, in order. */
export type GroupOut<S extends readonly unknown[]> = { -readonly [K in keyof S]: OutOf<S[K]> };

/** Shown by the compiler in place of a chord body that does not accept the header's results. */
export interface ChordBodyMismatch<Body, HeaderResults> {
  readonly 'this chord body does not accept the list of header results': HeaderResults;
  readonly body: Body;
}

export type CheckChordBody<Body, HeaderResults> = AcceptsResult<Body, HeaderResults> extends true
  ? Body
  : ChordBodyMismatch<Body, HeaderResults>;
