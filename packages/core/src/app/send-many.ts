import { ErrorCodes, TqError } from '../errors/tq-error.js';
import { newTaskId } from '../protocol/index.js';
import type { App } from './app.js';
import type { AsyncResult } from './async-result.js';
import { type PublishCallOptions, type PublishPlan, publishPlans } from './producer.js';
import type { ApplyOptions } from './task-options.js';

/** One task to send with `app.sendTasks`. */
export interface TaskCall {
  name: string;
  args?: unknown[];
  kwargs?: Record<string, unknown>;
  /** Per-call options (countdown, queue, priority, taskId...); the batch's signal and retry policy apply to all. */
  options?: Omit<ApplyOptions, 'signal' | 'retry' | 'retryPolicy'>;
}

export interface SendManyOptions extends PublishCallOptions {
  /** Messages per publishBatch call (default 1000): bounds memory and the size of one broker round trip. */
  batchSize?: number;
}

const DEFAULT_BATCH_SIZE = 1000;

/**
 * Plans every call, then publishes them `batchSize` at a time, one batch after the other (a batch is all-or-nothing
 * where the transport's publishBatch is, e.g. SQLite). Results come back in the order of the calls.
 */
export async function sendMany(app: App, calls: Iterable<TaskCall>, options: SendManyOptions): Promise<AsyncResult[]> {
  const batchSize = options.batchSize ?? DEFAULT_BATCH_SIZE;
  if (!Number.isInteger(batchSize) || batchSize < 1) {
    throw new TqError(ErrorCodes.INVALID_CONFIG, `sendTasks: batchSize must be a positive integer, not ${String(batchSize)}`);
  }
  await app.ensureReplyQueue(options.signal);
  const results: AsyncResult[] = [];
  let batch: PublishPlan[] = [];
  const flush = async () => {
    if (batch.length === 0) return;
    await publishPlans(app.transport, batch, options);
    batch = [];
  };
  for (const call of calls) {
    if (typeof call?.name !== 'string' || call.name === '') {
      throw new TqError(ErrorCodes.INVALID_CONFIG, 'sendTasks: every call needs a task name');
    }
    const callOptions: ApplyOptions = { ...call.options, signal: options.signal };
    const taskId = callOptions.taskId ?? newTaskId();
    batch.push(app.planTask(taskId, call.name, call.args ?? [], call.kwargs ?? {}, callOptions));
    results.push(app.resultOfSent(taskId, call.name, callOptions));
    if (batch.length >= batchSize) await flush();
  }
  await flush();
  return results;
}
