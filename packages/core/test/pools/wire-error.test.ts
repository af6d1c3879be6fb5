import { describe, expect, test } from 'vitest';
import { ErrorCodes, Retry, TimeLimitExceeded, TqError, WorkerLostError } from '@tq/core';
import { decodeError, encodeError } from '../../src/pools/child/wire-error.js';

class Base extends Error {
  override name = 'Base';
}
class Derived extends Base {
  override name = 'Derived';
}
class Unrelated extends Error {}

/** A trip through structured clone, as over postMessage or advanced IPC. */
const trip = (error: unknown, options?: Parameters<typeof encodeError>[1]) => decodeError(structuredClone(encodeError(error, options)), options);

describe('errors across the pool boundary', () => {
  test('the rebuilt error adopts the most derived autoretryFor class the original is an instance of', () => {
    const options = { autoretryFor: [Base, Unrelated, Derived] };
    const rebuilt = trip(new Derived('boom'), options);
    expect(rebuilt).toBeInstanceOf(Derived);
    expect(rebuilt).toBeInstanceOf(Base);
    expect(rebuilt).not.toBeInstanceOf(Unrelated);
    expect((rebuilt as Error).name).toBe('Derived');
  });

  test('dontAutoretryFor classes are adopted too, so the exclusion still applies', () => {
    const rebuilt = trip(new Derived('no'), { autoretryFor: [Error], dontAutoretryFor: [Base] });
    expect(rebuilt).toBeInstanceOf(Base);
  });

  test('without matching classes the error stays a plain Error with its name and fields', () => {
    const original = Object.assign(new Unrelated('x'), { status: 503, when: new Date(0), fn: () => 1 });
    const rebuilt = trip(original, { autoretryFor: [Base] }) as Error & Record<string, unknown>;
    expect(rebuilt).not.toBeInstanceOf(Base);
    expect(rebuilt.name).toBe('Error');
    expect(rebuilt.status).toBe(503);
    expect(rebuilt.when).toEqual(new Date(0));
    expect(rebuilt.fn).toMatch(/function/); // uncloneable fields become descriptions
  });

  test('tq errors keep their class where core defines it', () => {
    expect(trip(new TimeLimitExceeded(2))).toBeInstanceOf(TimeLimitExceeded);
    const lost = trip(new WorkerLostError('gone'));
    expect(lost).toBeInstanceOf(WorkerLostError);
    expect(TqError.is(lost, ErrorCodes.WORKER_LOST)).toBe(true);
  });

  test('a Retry without exc rebuilds without one; nested causes are bounded', () => {
    const retry = trip(new Retry({ countdown: 1 })) as Retry;
    expect(retry.options).toEqual({ countdown: 1, eta: undefined, maxRetries: undefined, exc: undefined });
    let deep: Error = new Error('level 0');
    for (let level = 1; level < 20; level++) deep = new Error(`level ${level}`, { cause: deep });
    let rebuilt = trip(deep) as Error | undefined;
    let depth = 0;
    while (rebuilt) {
      depth++;
      rebuilt = rebuilt.cause as Error | undefined;
    }
    expect(depth).toBeLessThanOrEqual(7);
  });
});
