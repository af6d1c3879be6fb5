import type { TaskRequest } from '../contracts/pool.js';
import type { TaskMessage } from '../protocol/task-message.js';

/** The request context (`this.request`) a task — or an inline errback about it — sees for a message. */
export function taskRequestOf(message: TaskMessage, hostname: string, deliveryInfo: TaskRequest['deliveryInfo']): TaskRequest {
  return {
    id: message.id,
    task: message.task,
    args: message.args,
    kwargs: message.kwargs,
    retries: message.retries,
    eta: message.eta,
    expires: message.expires,
    rootId: message.rootId,
    parentId: message.parentId,
    groupId: message.group,
    groupIndex: message.groupIndex,
    correlationId: message.correlationId,
    replyTo: message.replyTo,
    hostname,
    origin: message.origin,
    deliveryInfo,
    headers: message.headers,
    timelimit: message.timelimit,
    ignoreResult: message.ignoreResult ?? false,
    isEager: false,
    chain: message.chain,
    callbacks: message.callbacks,
    errbacks: message.errbacks,
    chord: message.chord,
  };
}
