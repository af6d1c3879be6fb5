import { MemoryBroker, MemoryResultBackend, MemoryTransport } from '@tq/core';
import { describe, expect, test } from 'vitest';
import { resultBackendSuite, transportSuite } from '../src/index.js';
import { collectCases, failingCases } from './support/collect.js';
import { backendMutants, transportMutants } from './support/mutants.js';

// The suite checks itself: each deliberately broken implementation must fail the case written for its bug.
// The memory broker answers at once, so a small timeScale keeps the failing waits short.

describe('the transport suite fails broken transports', () => {
  test('control: the honest memory transport passes every targeted case', async () => {
    const broker = new MemoryBroker();
    const cases = collectCases((runner) =>
      transportSuite(runner, { name: 'honest', create: () => new MemoryTransport({ broker }), timeScale: 0.2 }),
    );
    for (const { caughtBy } of Object.values(transportMutants)) expect(await failingCases(cases, caughtBy)).toEqual([]);
  }, 120_000);

  for (const [bug, { mutant: Mutant, caughtBy }] of Object.entries(transportMutants)) {
    test(bug, async () => {
      const broker = new MemoryBroker();
      const cases = collectCases((runner) => transportSuite(runner, { name: bug, create: () => new Mutant(broker), timeScale: 0.2 }));
      expect(await failingCases(cases, caughtBy)).not.toEqual([]);
    }, 120_000);
  }
});

describe('the result backend suite fails broken backends', () => {
  test('control: the honest memory backend passes every targeted case', async () => {
    const cases = collectCases((runner) =>
      resultBackendSuite(runner, { name: 'honest', create: () => new MemoryResultBackend(), timeScale: 0.2 }),
    );
    for (const { caughtBy } of Object.values(backendMutants)) expect(await failingCases(cases, caughtBy)).toEqual([]);
  }, 120_000);

  for (const [bug, { mutant: Mutant, caughtBy }] of Object.entries(backendMutants)) {
    test(bug, async () => {
      const cases = collectCases((runner) => resultBackendSuite(runner, { name: bug, create: () => new Mutant(), timeScale: 0.2 }));
      expect(await failingCases(cases, caughtBy)).not.toEqual([]);
    }, 120_000);
  }
});
