import assert from 'node:assert/strict';
import type { PoolOutcome } from '@tq/core';
import { format } from '../support/timing.js';

export function expectSuccess(what: string, outcome: PoolOutcome): unknown {
  if (outcome.status !== 'success') assert.fail(`${what}: expected success, got ${outcome.status} with ${format(outcome.error)}`);
  return outcome.value;
}

export function expectFailure(what: string, outcome: PoolOutcome): unknown {
  if (outcome.status !== 'failure') {
    assert.fail(`${what}: expected failure, got ${outcome.status} ${format(outcome.status === 'success' ? outcome.value : outcome.error)}`);
  }
  return outcome.error;
}

export function expectLost(what: string, outcome: PoolOutcome): Error {
  if (outcome.status !== 'lost') {
    assert.fail(`${what}: expected lost, got ${outcome.status} ${format(outcome.status === 'success' ? outcome.value : outcome.error)}`);
  }
  return outcome.error;
}

/** The most jobs whose [start, end] intervals overlap at one instant. */
export function maxOverlap(intervals: ReadonlyArray<{ start: number; end: number }>): number {
  const events = intervals.flatMap(({ start, end }) => [
    { at: start, delta: 1 },
    { at: end, delta: -1 },
  ]);
  // Ends sort before starts at the same instant: touching intervals do not overlap.
  events.sort((a, b) => a.at - b.at || a.delta - b.delta);
  let current = 0;
  let most = 0;
  for (const event of events) {
    current += event.delta;
    most = Math.max(most, current);
  }
  return most;
}
