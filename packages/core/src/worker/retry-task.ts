import type { Delivery } from '../contracts/transport.js';
import { States } from '../contracts/result-backend.js';
import { MaxRetriesExceededError, type Retry } from '../errors/task-errors.js';
import type { TaskMessage } from '../protocol/task-message.js';
import { encodeException, formatTraceback } from '../protocol/index.js';
import type { AnyTask } from '../app/task.js';
import { resultMeta } from './result-meta.js';
import { backoffSeconds } from './retry-policy.js';
import type { WorkerRuntime } from './runtime.js';
import { customHeaders } from './custom-headers.js';

export type RetryAttempt = { retried: true } | { retried: false; failure: unknown };

/**
 * Celery's retry: a new message with the same id, retries + 1, an eta, and everything else of the original
 * (root/parent, group, chain, callbacks, chord, limits, custom headers). Stores RETRY. When no retries are left,
 * the failure is the original error, or MaxRetriesExceededError when there was none.
 */
export async function retryTask(
  runtime: WorkerRuntime,
  delivery: Delivery,
  message: TaskMessage,
  task: AnyTask,
  retry: Retry,
  automatic: boolean,
): Promise<RetryAttempt> {
  const maxRetries = retry.options.maxRetries !== undefined ? retry.options.maxRetries : (task.options.maxRetries ?? 3);
  if (maxRetries !== null && message.retries >= maxRetries) {
    return { retried: false, failure: retry.options.exc ?? new MaxRetriesExceededError(task.name, message.id, maxRetries) };
  }
  const countdown =
    retry.options.countdown ??
    (automatic && task.options.retryBackoff ? backoffSeconds(task.options, message.retries) : (task.options.defaultRetryDelay ?? 180));
  const [hard, soft] = message.timelimit;
  await runtime.app.publishTask(message.id, message.task, message.args, message.kwargs, {
    ...(retry.options.eta ? { eta: retry.options.eta } : { countdown }),
    retries: message.retries + 1,
    queue: delivery.queue,
    priority: message.priority,
    rootId: message.rootId,
    parentId: message.parentId,
    groupId: message.group,
    groupIndex: message.groupIndex,
    chain: message.chain,
    chord: message.chord,
    link: message.callbacks,
    linkError: message.errbacks,
    timeLimit: hard ?? undefined,
    softTimeLimit: soft ?? undefined,
    expires: message.expires ?? undefined,
    shadow: message.shadow ?? undefined,
    replyTo: message.replyTo ?? undefined,
    ignoreResult: message.ignoreResult,
    headers: customHeaders(message.headers),
    serializer: message.contentType,
  });
  const reason = retry.options.exc ?? retry;
  await runtime.storeResult(
    message,
    resultMeta(message, States.RETRY, encodeException(reason), { worker: runtime.hostname, queue: delivery.queue, traceback: formatTraceback(reason) }),
  );
  runtime.logger.info(`task ${message.task}[${message.id}] retry in ${countdown}s`, { retries: message.retries + 1 });
  return { retried: true };
}
