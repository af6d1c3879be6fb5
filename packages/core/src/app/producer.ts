import type { PublishItem, Transport } from '../contracts/transport.js';
import type { Compressor, Serializer } from '../contracts/serializer.js';
import type { SignatureDict, TaskMessageInit } from '../protocol/task-message.js';
import { encodeTaskMessage } from '../protocol/index.js';
import { ErrorCodes, TqError, abortError } from '../errors/tq-error.js';
import { DEFAULT_PUBLISH_RETRY, type ApplyOptions, type PublishRetryPolicy, type TaskOptions } from './task-options.js';
import type { RouteTarget } from './app-config.js';
import { sleep } from './sleep.js';

export interface PublishPlan {
  init: TaskMessageInit;
  queue: string;
  exchange: string | undefined;
  routingKey: string | undefined;
  serializer: Serializer;
  compressor: Compressor | undefined;
  /** How long the broker should hold the message (ETA/countdown), when it can. */
  delayMs: number | undefined;
}

/** Turns Celery's call options into the message fields: countdown → eta, expires seconds → ISO, limits → timelimit. */
export function planMessage(args: {
  taskId: string;
  taskName: string;
  taskArgs: unknown[];
  kwargs: Record<string, unknown>;
  options: ApplyOptions;
  taskOptions: TaskOptions;
  route: RouteTarget | undefined;
  defaultQueue: string;
  origin: string;
  replyTo: string;
  parent: { id: string; rootId: string } | undefined;
  serializer: Serializer;
  compressor: Compressor | undefined;
  canDelay: boolean;
  now?: number;
}): PublishPlan {
  const { options, taskOptions, route } = args;
  const now = args.now ?? Date.now();
  const etaMs = options.eta !== undefined ? toTime(options.eta, 'eta') : options.countdown !== undefined ? now + options.countdown * 1000 : undefined;
  const expiresSetting = options.expires ?? taskOptions.expires;
  const expiresMs =
    expiresSetting === undefined ? undefined : typeof expiresSetting === 'number' ? now + expiresSetting * 1000 : toTime(expiresSetting, 'expires');
  const hard = options.timeLimit ?? taskOptions.timeLimit ?? null;
  const soft = options.softTimeLimit ?? taskOptions.softTimeLimit ?? null;
  const queue = options.queue ?? route?.queue ?? taskOptions.queue ?? args.defaultQueue;
  const rootId = options.rootId ?? args.parent?.rootId ?? args.taskId;
  const parentId = options.parentId !== undefined ? options.parentId : (args.parent?.id ?? null);
  const init: TaskMessageInit = {
    id: args.taskId,
    task: args.taskName,
    args: args.taskArgs,
    kwargs: args.kwargs,
    rootId,
    parentId,
    group: options.groupId ?? null,
    groupIndex: options.groupIndex ?? null,
    eta: etaMs === undefined ? null : new Date(etaMs).toISOString(),
    expires: expiresMs === undefined ? null : new Date(expiresMs).toISOString(),
    retries: options.retries ?? 0,
    timelimit: [hard, soft],
    shadow: options.shadow ?? null,
    origin: args.origin,
    ignoreResult: options.ignoreResult ?? taskOptions.ignoreResult ?? false,
    callbacks: toSignatureList(options.link),
    errbacks: toSignatureList(options.linkError),
    chain: (options.chain as SignatureDict[] | null | undefined) ?? null,
    chord: (options.chord as SignatureDict | null | undefined) ?? null,
    headers: options.headers ?? {},
    replyTo: options.replyTo ?? args.replyTo,
    priority: options.priority ?? route?.priority ?? taskOptions.priority,
    deliveryMode: 2,
    expirationMs: expiresMs === undefined ? undefined : Math.max(0, expiresMs - now),
  };
  const delay = etaMs === undefined ? 0 : etaMs - now;
  return {
    init,
    queue,
    exchange: options.exchange ?? route?.exchange ?? taskOptions.exchange,
    routingKey: options.routingKey ?? route?.routingKey ?? taskOptions.routingKey,
    serializer: args.serializer,
    compressor: args.compressor,
    delayMs: args.canDelay && delay > 0 ? delay : undefined,
  };
}

export interface PublishCallOptions {
  retry?: boolean;
  retryPolicy?: PublishRetryPolicy;
  signal?: AbortSignal;
}

/** The transport's view of a planned message: the encoded message and where it goes. */
export function publishItemOf(plan: PublishPlan, signal?: AbortSignal): PublishItem {
  const message = encodeTaskMessage(plan.init, { serializer: plan.serializer, compressor: plan.compressor });
  const options = {
    ...(plan.exchange ? { exchange: plan.exchange, routingKey: plan.routingKey ?? plan.queue } : { queue: plan.queue }),
    priority: plan.init.priority,
    delayMs: plan.delayMs,
    signal,
  };
  return { message, options };
}

/** Publishes a planned message, retrying connection errors per Celery's publish retry policy. */
export async function publishPlan(transport: Transport, plan: PublishPlan, options: PublishCallOptions): Promise<void> {
  const item = publishItemOf(plan, options.signal);
  await withPublishRetry(() => transport.publish(item.message, item.options), options);
}

/**
 * Publishes planned messages in one publishBatch, with the same retry policy. Every message is encoded before
 * anything is sent, so a message that cannot be encoded fails the call with nothing published. A retry sends the
 * whole batch again: where the transport's batch is not atomic, a connection lost mid-batch may deliver some
 * messages twice (same task ids), the at-least-once trade Celery's publish retry makes too.
 */
export async function publishPlans(transport: Transport, plans: readonly PublishPlan[], options: PublishCallOptions): Promise<void> {
  const items = plans.map((plan) => publishItemOf(plan, options.signal));
  await withPublishRetry(() => transport.publishBatch(items, { signal: options.signal }), options);
}

async function withPublishRetry(publish: () => Promise<void>, options: PublishCallOptions): Promise<void> {
  const policy = { ...DEFAULT_PUBLISH_RETRY, ...options.retryPolicy };
  const attempts = options.retry === false ? 1 : policy.maxRetries + 1;
  for (let attempt = 0; ; attempt++) {
    try {
      await publish();
      return;
    } catch (error) {
      const retryable = TqError.is(error) && error.retryable;
      if (!retryable || attempt + 1 >= attempts) throw error;
      if (options.signal?.aborted) throw abortError(options.signal, 'publish');
      const intervalSeconds = Math.min(policy.intervalMax, policy.intervalStart + policy.intervalStep * attempt);
      await sleep(intervalSeconds * 1000, options.signal);
    }
  }
}

function toTime(value: Date | string, what: string): number {
  const time = value instanceof Date ? value.getTime() : Date.parse(value);
  if (Number.isNaN(time)) throw new TqError(ErrorCodes.INVALID_CONFIG, `${what} is not a valid date: ${String(value)}`);
  return time;
}

function toSignatureList(value: unknown): SignatureDict[] | null {
  if (value === undefined || value === null) return null;
  const list = Array.isArray(value) ? value : [value];
  return list.map((item) => (typeof (item as { toDict?: unknown }).toDict === 'function' ? (item as { toDict(): SignatureDict }).toDict() : (item as SignatureDict)));
}
