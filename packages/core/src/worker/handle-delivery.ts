import type { Delivery } from '../contracts/transport.js';
import type { PoolJob, PoolOutcome } from '../contracts/pool.js';
import { States } from '../contracts/result-backend.js';
import { Ignore, Reject, Retry, WorkerLostError } from '../errors/task-errors.js';
import { ErrorCodes, TqError } from '../errors/tq-error.js';
import type { TaskMessage } from '../protocol/task-message.js';
import { decodeTaskMessage } from '../protocol/index.js';
import type { AnyTask } from '../app/task.js';
import { sleep } from '../app/sleep.js';
import { LeaseKeeper } from './lease-keeper.js';
import { parseRateLimit, TokenBucket } from './rate-limiter.js';
import { failureMeta, resultMeta, revokedMeta } from './result-meta.js';
import { retryTask } from './retry-task.js';
import { shouldAutoretry } from './retry-policy.js';
import type { WorkerRuntime } from './runtime.js';
import { taskRequestOf } from './task-request.js';
import { dispatchOnFailure, dispatchOnRevoked, dispatchOnSuccess, hasFollowUps } from './workflow.js';

/** What to do with the message once its outcome is handled; undefined leaves it to the broker (cold shutdown). */
type Settlement = 'ack' | 'requeue' | 'dead-letter';
const NO_CHILDREN: string[] = [];

/**
 * Takes one delivery from receipt to ack. Every path ends in exactly one ack or reject, except a cold shutdown,
 * which leaves the message to the broker's redelivery. Errors in tq's own steps (a result store failing) are logged
 * and the message is handed back rather than acked: nothing is acknowledged that was not handled.
 */
export async function handleDelivery(runtime: WorkerRuntime, delivery: Delivery): Promise<void> {
  const lease = new LeaseKeeper(runtime, delivery);
  try {
    await process(runtime, delivery, lease);
  } catch (error) {
    if (runtime.coldShutdown()) return;
    runtime.logger.error('could not handle message; handing it back', { queue: delivery.queue, error });
    await settle(delivery, 'requeue');
  } finally {
    lease.stop();
  }
}

async function process(runtime: WorkerRuntime, delivery: Delivery, lease: LeaseKeeper): Promise<void> {
  lease.start();
  const where = { worker: runtime.hostname, queue: delivery.queue };
  let message: TaskMessage;
  try {
    message = decodeTaskMessage(delivery.message, { serializers: runtime.app.serializers, compressors: runtime.app.compressors, accept: runtime.accept });
  } catch (error) {
    runtime.logger.error('refusing message that cannot be decoded', { queue: delivery.queue, code: (error as TqError).code, error });
    return settle(delivery, 'dead-letter');
  }
  const task = runtime.app.tasks.get(message.task);
  if (!task) {
    const error = new TqError(ErrorCodes.UNKNOWN_TASK, `received unregistered task ${message.task}`, { details: { taskId: message.id } });
    runtime.logger.error(error.message, { code: error.code, taskId: message.id });
    const failure = notRegistered(message.task);
    await runtime.storeResult(message, failureMeta(message, failure, where));
    // Unlike Celery, errbacks and a chord waiting on this part are told, so nothing hangs on an unknown task.
    await dispatchOnFailure(runtime, message, failure);
    return settle(delivery, 'dead-letter');
  }
  if (delivery.deliveryCount !== undefined && delivery.deliveryCount > runtime.maxDeliveries) {
    const error = new WorkerLostError(`task ${message.id} was delivered ${delivery.deliveryCount} times; its workers keep dying`);
    runtime.logger.error(error.message, { taskId: message.id });
    await runtime.storeResult(message, failureMeta(message, error, where));
    return settle(delivery, 'dead-letter');
  }
  if (shouldDrop(runtime, message) && (await dropIfRevokedOrExpired(runtime, delivery, message, where))) return;

  if (message.eta && !runtime.eagerEta && Date.parse(message.eta) > Date.now()) {
    const waitMs = Date.parse(message.eta) - Date.now();
    if (waitMs > runtime.etaHoldMs && runtime.transport.capabilities.delayedDelivery) {
      const delayMs = Math.min(waitMs, runtime.transport.capabilities.maxDelayMs);
      await runtime.transport.publish(delivery.message, { queue: delivery.queue, priority: message.priority, delayMs });
      return settle(delivery, 'ack');
    }
    await sleep(waitMs, runtime.holdSignal);
    if (shouldDrop(runtime, message) && (await dropIfRevokedOrExpired(runtime, delivery, message, where))) return;
  }
  // Awaited only when there is a limiter: an `await` of nothing still costs a microtask turn per task.
  const limiter = rateLimiterFor(runtime, task);
  if (limiter) await limiter.take(runtime.holdSignal);

  const acksLate = task.options.acksLate !== false;
  if (!acksLate) {
    await settle(delivery, 'ack');
    lease.stop();
  }
  const ignoreResult = message.ignoreResult ?? task.options.ignoreResult ?? false;
  // Messages normally carry ignore_result already; copying the whole message per task only when it differs.
  const stored = message.ignoreResult === ignoreResult ? message : { ...message, ignoreResult };
  if (task.options.trackStarted && !ignoreResult) {
    await runtime.storeResult(stored, resultMeta(message, States.STARTED, { pid: globalThis.process.pid, hostname: runtime.hostname }, where));
  }
  const outcome = await runtime.pool.run(poolJob(runtime, delivery, message, task));
  const action = await handleOutcome(runtime, delivery, stored, task, outcome);
  if (action !== undefined && acksLate) await settle(delivery, action);
}

/** Runs the follow-ups of an outcome and says how to settle the message (the caller settles it when acksLate). */
async function handleOutcome(
  runtime: WorkerRuntime,
  delivery: Delivery,
  message: TaskMessage,
  task: AnyTask,
  outcome: PoolOutcome,
): Promise<Settlement | undefined> {
  if (outcome.status === 'success') {
    // Most messages have no callbacks, chain or chord: skipping the call saves its promise and its allocations.
    const children = hasFollowUps(message) ? await dispatchOnSuccess(runtime, message, outcome.value) : NO_CHILDREN;
    // The meta is built only when it will be stored (resultMeta was ~3% of a no-op task's cost without a backend).
    if (runtime.storesResult(message)) {
      const extra = { worker: runtime.hostname, queue: delivery.queue, children: children.map(childEntry) };
      await runtime.storeResult(message, resultMeta(message, States.SUCCESS, outcome.value, extra));
    }
    runtime.logger.info(`task ${message.task}[${message.id}] succeeded`, { runtimeMs: Math.round(outcome.runtimeMs) });
    return 'ack';
  }
  const where = { worker: runtime.hostname, queue: delivery.queue };
  if (outcome.status === 'lost') {
    if (runtime.coldShutdown()) return undefined;
    // During a warm shutdown this is a job released before it started; otherwise its thread or process died.
    const log = runtime.holdSignal.aborted ? runtime.logger.warn : runtime.logger.error;
    log(`task ${message.task}[${message.id}] lost its worker; handing it back`, { error: outcome.error });
    return 'requeue';
  }
  const error = outcome.error;
  if (error instanceof Ignore) return 'ack';
  if (error instanceof Reject) {
    runtime.logger.warn(`task ${message.task}[${message.id}] rejected: ${error.reason}`, { requeue: error.requeue });
    return error.requeue ? 'requeue' : 'dead-letter';
  }
  const retry = error instanceof Retry ? error : shouldAutoretry(task.options, error) ? new Retry({ exc: error }) : undefined;
  let failure = error;
  if (retry) {
    const attempt = await retryTask(runtime, delivery, message, task, retry, error !== retry);
    if (attempt.retried) return 'ack';
    failure = attempt.failure;
  }
  await runtime.storeResult(message, failureMeta(message, failure, where));
  runtime.logger.error(`task ${message.task}[${message.id}] failed`, { error: failure });
  await dispatchOnFailure(runtime, message, failure);
  return 'ack';
}

function childEntry(id: string): unknown {
  return [[id, null], null];
}

async function dropIfRevokedOrExpired(
  runtime: WorkerRuntime,
  delivery: Delivery,
  message: TaskMessage,
  where: { worker: string; queue: string },
): Promise<boolean> {
  const revoked = runtime.revoked.has(message.id);
  const expired = message.expires !== null && Date.parse(message.expires) < Date.now();
  if (!revoked && !expired) return false;
  runtime.logger.info(`task ${message.task}[${message.id}] ${revoked ? 'revoked' : 'expired'}; not running it`);
  await runtime.storeResult(message, revokedMeta(message, revoked ? 'revoked' : 'expired', where));
  await dispatchOnRevoked(runtime, message, revoked ? 'revoked' : 'expired');
  await settle(delivery, 'ack');
  return true;
}

/** The cheap synchronous check in front of dropIfRevokedOrExpired (most messages are neither). */
function shouldDrop(runtime: WorkerRuntime, message: TaskMessage): boolean {
  return runtime.revoked.has(message.id) || (message.expires !== null && Date.parse(message.expires) < Date.now());
}

function rateLimiterFor(runtime: WorkerRuntime, task: AnyTask): TokenBucket | null {
  let limiter = runtime.rateLimiters.get(task.name);
  if (limiter === undefined) {
    limiter = task.options.rateLimit === undefined ? null : new TokenBucket(parseRateLimit(task.options.rateLimit));
    runtime.rateLimiters.set(task.name, limiter);
  }
  return limiter;
}

/** Not async: returning the transport's promise as is saves the extra turns an async wrapper costs per task. */
function settle(delivery: Delivery, action: Settlement): Promise<void> {
  try {
    return action === 'ack' ? delivery.ack() : delivery.reject({ requeue: action === 'requeue' });
  } catch (error) {
    return Promise.reject(error);
  }
}

function notRegistered(name: string): Error {
  const error = new Error(`'${name}'`);
  error.name = 'NotRegistered';
  return error;
}

function poolJob(runtime: WorkerRuntime, delivery: Delivery, message: TaskMessage, task: AnyTask): PoolJob {
  const [hard, soft] = message.timelimit;
  const hardSeconds = hard ?? task.options.timeLimit;
  const softSeconds = soft ?? task.options.softTimeLimit;
  return {
    taskId: message.id,
    taskName: message.task,
    args: message.args,
    kwargs: message.kwargs,
    hardTimeLimitMs: hardSeconds === undefined || hardSeconds === null ? undefined : hardSeconds * 1000,
    softTimeLimitMs: softSeconds === undefined || softSeconds === null ? undefined : softSeconds * 1000,
    request: taskRequestOf(message, runtime.hostname, {
      exchange: delivery.message.properties.deliveryInfo?.exchange ?? '',
      routingKey: delivery.message.properties.deliveryInfo?.routingKey ?? delivery.queue,
      priority: message.priority,
      redelivered: delivery.redelivered,
    }),
  };
}

