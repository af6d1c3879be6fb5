import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import type { ResultBackend, ResultBackendCapabilities } from '@tq/core';
import type { ResultBackendSuiteOptions } from '../options.js';
import type { Fixture } from '../support/cases.js';
import { format, type Timing } from '../support/timing.js';

/**
 * What one backend case works with: instances from the caller's factory and task/group ids no other case uses.
 * Cleanup forgets every id the case made and closes every instance.
 */
export class BackendContext implements Fixture {
  readonly timing: Timing;
  readonly capabilities: Readonly<ResultBackendCapabilities>;
  readonly #options: ResultBackendSuiteOptions;
  readonly #prefix = `tqconf-${randomBytes(6).toString('hex')}`;
  readonly #instances: ResultBackend[] = [];
  readonly #taskIds = new Set<string>();
  readonly #groupIds = new Set<string>();

  constructor(options: ResultBackendSuiteOptions, capabilities: Readonly<ResultBackendCapabilities>, timing: Timing) {
    this.#options = options;
    this.capabilities = capabilities;
    this.timing = timing;
  }

  async backend(): Promise<ResultBackend> {
    const backend = await this.#options.create();
    this.#instances.push(backend);
    assert.deepStrictEqual(
      { ...backend.capabilities },
      { ...this.capabilities },
      'every instance create() returns must declare the same capabilities the suite was registered with',
    );
    return backend;
  }

  /** A task id for this case (`tqconf-<random>-<label>`), forgotten at cleanup. */
  taskId(label = 'task'): string {
    const id = `${this.#prefix}-${label}`;
    this.#taskIds.add(id);
    return id;
  }

  groupId(label = 'group'): string {
    const id = `${this.#prefix}-${label}`;
    this.#groupIds.add(id);
    return id;
  }

  async cleanup(): Promise<unknown[]> {
    const problems: unknown[] = [];
    try {
      await this.#forgetAll();
    } catch (error) {
      problems.push(new Error(`forgetting the case's results failed: ${format(error)}`, { cause: error }));
    }
    for (const backend of this.#instances) {
      try {
        await backend.close();
      } catch (error) {
        problems.push(new Error(`close() failed: ${format(error)}`, { cause: error }));
      }
    }
    return problems;
  }

  async #forgetAll(): Promise<void> {
    if (this.#taskIds.size === 0 && this.#groupIds.size === 0) return;
    const forget = async (backend: ResultBackend) => {
      for (const id of this.#taskIds) await backend.forget(id);
      if (this.capabilities.groups) for (const id of this.#groupIds) await backend.forgetGroup(id);
    };
    for (const backend of this.#instances) {
      try {
        await forget(backend);
        return;
      } catch {
        // Closed by the case: try the next instance, then a fresh one.
      }
    }
    const fresh = await this.#options.create();
    try {
      await forget(fresh);
    } finally {
      await fresh.close();
    }
  }
}
