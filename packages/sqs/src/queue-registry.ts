import { ErrorCodes, TqError, abortError, type QueueDeclaration } from '@tq/core';
import { awsNameOf, type SqsApi } from './sqs-api.js';
import type { ResolvedSqsOptions } from './options.js';
import { defaultDeadLetterName, isFifoName, looksLikeDeadLetterName, sqsQueueName } from './queue-names.js';

export interface DeadLetterTarget {
  sqsName: string;
  url: string;
}

export interface QueueInfo {
  /** The name tq and Celery use (`tasks.high`). */
  name: string;
  /** The SQS name (`tasks-high`, with the prefix). */
  sqsName: string;
  url: string;
  fifo: boolean;
  /** Where `reject({requeue:false})` and undecodable messages go; undefined when the queue has no redrive policy. */
  deadLetter: DeadLetterTarget | undefined;
}

/**
 * Finds queues by tq name, creating them on first use (unless `createQueues` is false) with the attributes tq
 * needs: kombu's visibility timeout, FifoQueue for `.fifo` names, and a dead-letter queue wired in by a redrive
 * policy. Existing queues are used as they are (never reconfigured); their dead-letter queue is read from their
 * redrive policy. Lookups are cached per transport.
 */
export class QueueRegistry {
  private readonly cache = new Map<string, Promise<QueueInfo>>();

  constructor(
    private readonly api: SqsApi,
    private readonly options: ResolvedSqsOptions,
  ) {}

  resolve(name: string, declaration?: QueueDeclaration, signal?: AbortSignal): Promise<QueueInfo> {
    let pending = this.cache.get(name);
    if (!pending) {
      // Shared by every caller, so it runs without any one caller's signal; each caller stops waiting on its own.
      pending = this.load(name, declaration);
      this.cache.set(name, pending);
      // A failed lookup (network, missing queue) is tried again next time.
      pending.catch(() => this.cache.delete(name));
    }
    return untilAborted(pending, signal);
  }

  /** The queue if it exists, without creating it (delete, size of a queue nobody declared). */
  async find(name: string, signal?: AbortSignal): Promise<QueueInfo | undefined> {
    const cached = this.cache.get(name);
    if (cached) return untilAborted(cached, signal);
    const sqsName = sqsQueueName(name, this.options.queuePrefix);
    const url = await this.api.getQueueUrl(sqsName, signal);
    if (!url) return undefined;
    return this.resolve(name, undefined, signal);
  }

  forget(name: string): void {
    this.cache.delete(name);
  }

  private async load(name: string, declaration: QueueDeclaration | undefined): Promise<QueueInfo> {
    const sqsName = sqsQueueName(name, this.options.queuePrefix);
    const fifo = isFifoName(sqsName);
    const existing = await this.api.getQueueUrl(sqsName);
    if (existing) return { name, sqsName, url: existing, fifo, deadLetter: await this.readDeadLetter(existing) };
    if (!this.options.createQueues) {
      throw new TqError(
        ErrorCodes.BROKER_REFUSED,
        `SQS queue ${sqsName} (tq queue ${name}) does not exist, and createQueues is false: create it first or allow tq to create queues`,
        { details: { queue: name, sqsName } },
      );
    }
    const wantsDeadLetter = this.options.deadLetterQueues && !looksLikeDeadLetterName(name);
    const deadLetterName = declaration?.deadLetterQueue ?? (wantsDeadLetter ? defaultDeadLetterName(name) : undefined);
    const deadLetter = deadLetterName ? await this.createDeadLetter(deadLetterName, fifo) : undefined;
    const attributes: Record<string, string> = {
      VisibilityTimeout: String(this.options.queueVisibilityTimeoutSeconds),
      ...(fifo ? { FifoQueue: 'true' } : {}),
      ...(deadLetter
        ? { RedrivePolicy: JSON.stringify({ deadLetterTargetArn: deadLetter.arn, maxReceiveCount: this.options.maxReceiveCount }) }
        : {}),
      ...this.options.queueAttributes,
      ...stringAttributes(declaration?.arguments),
    };
    const url = await this.createOrFind(sqsName, attributes);
    return { name, sqsName, url, fifo, deadLetter: deadLetter && { sqsName: deadLetter.sqsName, url: deadLetter.url } };
  }

  private async createDeadLetter(name: string, fifo: boolean) {
    const sqsName = sqsQueueName(name, this.options.queuePrefix);
    if (isFifoName(sqsName) !== fifo) {
      throw new TqError(ErrorCodes.INVALID_CONFIG, `dead-letter queue ${name} must be ${fifo ? 'a FIFO' : 'a standard'} queue like its source`, {
        details: { deadLetterQueue: name },
      });
    }
    const attributes: Record<string, string> = {
      VisibilityTimeout: String(this.options.queueVisibilityTimeoutSeconds),
      ...(fifo ? { FifoQueue: 'true' } : {}),
      ...this.options.queueAttributes,
    };
    const url = (await this.api.getQueueUrl(sqsName)) ?? (await this.createOrFind(sqsName, attributes));
    const { QueueArn } = await this.api.getAttributes(url, ['QueueArn']);
    return { sqsName, url, arn: QueueArn! };
  }

  /** CreateQueue, tolerating a concurrent creator (same name, other attributes): then the existing queue is used. */
  private async createOrFind(sqsName: string, attributes: Record<string, string>): Promise<string> {
    try {
      return await this.api.createQueue(sqsName, attributes);
    } catch (error) {
      if (awsNameOf(error) !== 'QueueNameExists') throw error;
      const url = await this.api.getQueueUrl(sqsName);
      if (!url) throw error;
      return url;
    }
  }

  private async readDeadLetter(url: string): Promise<DeadLetterTarget | undefined> {
    const { RedrivePolicy } = await this.api.getAttributes(url, ['RedrivePolicy']);
    if (!RedrivePolicy) return undefined;
    let arn: unknown;
    try {
      arn = JSON.parse(RedrivePolicy).deadLetterTargetArn;
    } catch {
      return undefined;
    }
    if (typeof arn !== 'string') return undefined;
    const sqsName = arn.split(':').pop() ?? '';
    const deadLetterUrl = await this.api.getQueueUrl(sqsName);
    return deadLetterUrl ? { sqsName, url: deadLetterUrl } : undefined;
  }
}

function untilAborted<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return promise;
  if (signal.aborted) return Promise.reject(abortError(signal, 'resolving an SQS queue'));
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(abortError(signal, 'resolving an SQS queue'));
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}

function stringAttributes(values: Record<string, unknown> | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(values ?? {})) {
    if (value !== undefined && value !== null) out[key] = typeof value === 'string' ? value : JSON.stringify(value);
  }
  return out;
}
