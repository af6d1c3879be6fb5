import type { Pool, PoolJob, PoolOutcome, TaskRequest } from '@tq/core';
import type { Fixture } from '../support/cases.js';
import type { Timing } from '../support/timing.js';
import type { PoolFeatures, PoolSuiteOptions } from './options.js';

let sequence = 0;

/** What one pool case works with: pools from the caller's factory (all closed, forcibly, at cleanup) and jobs. */
export class PoolCaseContext implements Fixture {
  readonly #options: PoolSuiteOptions;
  readonly #pools: Pool[] = [];
  readonly timing: Timing;
  readonly features: PoolFeatures;

  constructor(options: PoolSuiteOptions, features: PoolFeatures, timing: Timing) {
    this.#options = options;
    this.features = features;
    this.timing = timing;
  }

  /** A started pool with `concurrency` slots (2 unless said). */
  async pool(concurrency = 2): Promise<Pool> {
    const { app, appModule } = this.#options;
    const pool = await this.#options.create({ app, concurrency, appModule });
    this.#pools.push(pool);
    await pool.start();
    return pool;
  }

  job(taskName: string, args: unknown[] = [], extra: Partial<PoolJob> = {}): PoolJob {
    const taskId = `pool-suite-${process.pid}-${++sequence}`;
    const kwargs = extra.kwargs ?? {};
    return { taskId, taskName, args, kwargs, request: request(taskId, taskName, args, kwargs), ...extra };
  }

  /** Runs a job and returns its outcome (a rejected run fails the case with the reason). */
  run(pool: Pool, taskName: string, args: unknown[] = [], extra: Partial<PoolJob> = {}): Promise<PoolOutcome> {
    return pool.run(this.job(taskName, args, extra));
  }

  async cleanup(): Promise<unknown[]> {
    const results = await Promise.allSettled(this.#pools.map((pool) => pool.close({ force: true })));
    return results.flatMap((result) => (result.status === 'rejected' ? [result.reason] : []));
  }
}

function request(id: string, task: string, args: unknown[], kwargs: Record<string, unknown>): TaskRequest {
  return {
    id,
    task,
    args,
    kwargs,
    retries: 0,
    eta: null,
    expires: null,
    rootId: id,
    parentId: null,
    groupId: null,
    groupIndex: null,
    correlationId: id,
    replyTo: null,
    hostname: 'pool-suite@localhost',
    origin: null,
    deliveryInfo: { exchange: '', routingKey: 'celery', redelivered: false },
    headers: {},
    timelimit: [null, null],
    ignoreResult: false,
    isEager: false,
    chain: null,
    callbacks: null,
    errbacks: null,
    chord: null,
  };
}
