/**
 * Compile-time checks of canvas typing, run by `tsc -p tsconfig.json` (not by vitest). Each `@ts-expect-error`
 * line must fail to compile; everything else must compile. Limits are documented in src/canvas/types.ts.
 */
import { type CanvasResult, chain, chord, createApp, group, type GroupResult, type Signature, signature } from '@tq/core';

const app = createApp({ name: 'types', broker: 'memory://', backend: null });
const add = app.task('t.add', (x: number, y: number) => x + y);
const toText = app.task('t.text', (n: number) => `#${n}`);
const length = app.task('t.len', (s: string) => s.length);
const total = app.task('t.total', (values: number[]) => values.reduce((a, b) => a + b, 0));
const maybe = app.task('t.maybe', (x: number, label?: string) => label ?? String(x));
const many = app.task('t.many', (...xs: number[]) => xs.length);

// s(): partial args are the trailing ones; what is left is what the node still accepts.
const addOne: Signature<[x: number], number> = add.s(1);
const full: Signature<[], number> = add.s(1, 2);
// @ts-expect-error a string is not a number
add.s('1');
// @ts-expect-error too many arguments
add.s(1, 2, 3);
// si(): all arguments, accepts anything after.
const fixed: Signature<unknown[], number> = add.si(1, 2);
// @ts-expect-error si needs every argument
add.si(1);

// chain: each step must accept the previous result.
const ok: Promise<CanvasResult<number>> = chain(add.s(1, 2), add.s(3), toText.s(), length.s()).delay();
chain(add.s(1, 2), add.si(4, 4), toText.s());
chain(add.s(1, 2), maybe.s());
chain(add.s(1, 2), maybe.s('label'));
chain(add.s(1, 2), many.s(1, 2));
chain(add.s(1, 2), signature(app, 'py.anything'), toText.s());
// @ts-expect-error toText returns a string; toText takes a number
chain(add.s(1, 2), toText.s(), toText.s());
// @ts-expect-error add.s() still needs two arguments, the chain gives one
chain(add.s(1, 2), add.s());
// @ts-expect-error a full signature has no room for the previous result
chain(add.s(1, 2), add.s(1, 2));
// The chain's own arguments go to its first step.
chain(add.s(1), toText.s()).delay(5);
// @ts-expect-error the first step wants a number
chain(add.s(1), toText.s()).delay('5');

// group: results in order, as a tuple.
const pair: Promise<GroupResult<[number, string]>> = group([add.s(1, 2), toText.s(3)]).delay();
group([add.s(1), add.s(2)]).delay(10);
// @ts-expect-error every member gets the partial argument: toText wants a number, length a string
group([toText.s(), length.s()]).delay(1);

// chord: the body takes the list of header results.
const summed: Promise<CanvasResult<number>> = chord([add.s(1, 2), add.s(3, 4)], total.s()).delay();
chord(group([add.s(1, 2)]), total.s());
// @ts-expect-error the body wants one number, not the list of results
chord([add.s(1, 2), add.s(3, 4)], toText.s());

// In a chain, a group's results (a tuple) flow into the next step: a chord.
chain(add.s(1, 1), group([add.s(10), add.s(20)]), total.s(), toText.s());
// @ts-expect-error toText cannot take the group's list of results
chain(add.s(1, 1), group([add.s(10), add.s(20)]), toText.s());

// map / starmap / chunks: typed by the task's arguments and result.
const squares: Promise<CanvasResult<string[]>> = toText.map([1, 2, 3]).delay();
const sums: Promise<CanvasResult<number[]>> = add.starmap([[1, 2]]).delay();
const chunked: Promise<GroupResult<number[][]>> = add.chunks([[1, 2], [3, 4]], 1).delay();
// @ts-expect-error map items are the task's first argument
toText.map(['x']);
// @ts-expect-error starmap items are full argument lists
add.starmap([[1]]);

export { addOne, full, fixed, ok, pair, summed, squares, sums, chunked };
