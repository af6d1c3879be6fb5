/**
 * The kit never imports a test runner: callers pass their runner's functions (vitest, node:test, mocha all fit).
 * Assertions use node:assert so failures read the same everywhere.
 */
export type TestFn = (name: string, fn: () => unknown | Promise<unknown>, timeoutMs?: number) => void;
export type HookFn = (fn: () => unknown | Promise<unknown>) => void;

export interface Runner {
  describe: (name: string, fn: () => void) => void;
  test: TestFn;
  /**
   * Registers a skipped test: vitest's and node:test's `test.skip`, mocha's `it.skip`. Cases a capability rules
   * out go through it, with the reason in their name, so reports list them. Without it they are registered with
   * `test` as empty cases named `SKIPPED (...)`.
   */
  skip?: TestFn;
  beforeEach?: HookFn;
  afterEach?: HookFn;
  beforeAll?: HookFn;
  afterAll?: HookFn;
}
