import type { Runner } from '../../src/index.js';

export interface CollectedCase {
  name: string;
  run: () => unknown;
}

/** Registers a suite with a runner that only records the cases, so a test can run some of them itself. */
export function collectCases(register: (runner: Runner) => void): CollectedCase[] {
  const cases: CollectedCase[] = [];
  const path: string[] = [];
  const runner: Runner = {
    describe: (name, body) => {
      path.push(name);
      body();
      path.pop();
    },
    test: (name, run) => cases.push({ name: [...path, name].join(' > '), run }),
    skip: () => {},
  };
  register(runner);
  return cases;
}

/** Runs the cases whose name contains `fragment`; returns `name: error` for each that failed. */
export async function failingCases(cases: CollectedCase[], fragment: string): Promise<string[]> {
  const selected = cases.filter((c) => c.name.includes(fragment));
  if (selected.length === 0) throw new Error(`no case name contains "${fragment}"`);
  const failed: string[] = [];
  for (const c of selected) {
    try {
      await c.run();
    } catch (error) {
      failed.push(`${c.name}: ${error instanceof Error ? error.message.split('\n')[0] : String(error)}`);
    }
  }
  return failed;
}
