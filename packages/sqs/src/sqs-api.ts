import {
  ChangeMessageVisibilityBatchCommand,
  CreateQueueCommand,
  DeleteMessageBatchCommand,
  DeleteQueueCommand,
  GetQueueAttributesCommand,
  GetQueueUrlCommand,
  ListQueuesCommand,
  PurgeQueueCommand,
  ReceiveMessageCommand,
  SQSClient,
  SendMessageBatchCommand,
  SendMessageCommand,
  type Message,
  type MessageAttributeValue,
  type QueueAttributeName,
} from '@aws-sdk/client-sqs';
import { TqError } from '@tq/core';
import { isAwsError, toTqError } from './aws-errors.js';
import type { ResolvedSqsOptions } from './options.js';

export type { Message as SqsMessage, MessageAttributeValue };

export interface OutgoingMessage {
  MessageBody: string;
  DelaySeconds?: number;
  MessageAttributes?: Record<string, MessageAttributeValue>;
  MessageGroupId?: string;
  MessageDeduplicationId?: string;
}

export interface BatchFailure {
  id: string;
  code: string;
  message: string;
  senderFault: boolean;
}

/** The SQS name of the AWS error behind a TqError this module threw. */
export function awsNameOf(error: unknown): string | undefined {
  return TqError.is(error) ? (error.details?.awsError as string | undefined) : undefined;
}

function buildClient(options: ResolvedSqsOptions): SQSClient {
  return new SQSClient({
    region: options.region,
    ...(options.endpoint ? { endpoint: options.endpoint } : {}),
    ...(options.credentials ? { credentials: options.credentials } : {}),
    // Throttling, 5xx and network errors are retried by the SDK with exponential backoff and jitter.
    maxAttempts: options.maxAttempts,
    retryMode: options.retryMode,
    requestHandler: {
      connectionTimeout: 5_000,
      // Long enough for a 20 s long poll; a request that hangs longer fails (and is retried) instead of hanging.
      requestTimeout: (options.waitTimeSeconds + 20) * 1000,
      throwOnRequestTimeout: true,
      httpAgent: { keepAlive: true, maxSockets: 256 },
      httpsAgent: { keepAlive: true, maxSockets: 256 },
    },
  });
}

/** Every SQS call tq makes, with SDK errors turned into TqErrors. */
export class SqsApi {
  readonly client: SQSClient;
  private readonly ownsClient: boolean;

  constructor(options: ResolvedSqsOptions) {
    this.ownsClient = options.client === undefined;
    this.client = options.client ?? buildClient(options);
  }

  private async call<T>(what: string, details: Record<string, unknown>, run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (error) {
      throw toTqError(error, what, details);
    }
  }

  /** The queue's URL, or undefined when it does not exist. */
  async getQueueUrl(name: string, signal?: AbortSignal): Promise<string | undefined> {
    try {
      const output = await this.client.send(new GetQueueUrlCommand({ QueueName: name }), { abortSignal: signal });
      return output.QueueUrl;
    } catch (error) {
      if (isAwsError(error, 'QueueDoesNotExist')) return undefined;
      throw toTqError(error, `looking up SQS queue ${name}`, { sqsName: name });
    }
  }

  createQueue(name: string, attributes: Record<string, string>, signal?: AbortSignal): Promise<string> {
    return this.call(`creating SQS queue ${name}`, { sqsName: name }, async () => {
      const output = await this.client.send(new CreateQueueCommand({ QueueName: name, Attributes: attributes }), { abortSignal: signal });
      return output.QueueUrl!;
    });
  }

  getAttributes(url: string, names: string[], signal?: AbortSignal): Promise<Record<string, string>> {
    return this.call('reading SQS queue attributes', { queueUrl: url }, async () => {
      const output = await this.client.send(
        new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: names as QueueAttributeName[] }),
        { abortSignal: signal },
      );
      return output.Attributes ?? {};
    });
  }

  send(url: string, message: OutgoingMessage, signal?: AbortSignal): Promise<void> {
    return this.call('sending to SQS', { queueUrl: url }, async () => {
      await this.client.send(new SendMessageCommand({ QueueUrl: url, ...message }), { abortSignal: signal });
    });
  }

  /** Sends up to 10; resolves with the entries SQS refused (ids are the array indexes). */
  sendBatch(url: string, messages: OutgoingMessage[], signal?: AbortSignal): Promise<BatchFailure[]> {
    return this.call('sending a batch to SQS', { queueUrl: url, count: messages.length }, async () => {
      const output = await this.client.send(
        new SendMessageBatchCommand({ QueueUrl: url, Entries: messages.map((m, index) => ({ Id: String(index), ...m })) }),
        { abortSignal: signal },
      );
      return failures(output.Failed);
    });
  }

  receive(url: string, max: number, visibilitySeconds: number, waitSeconds: number, signal?: AbortSignal): Promise<Message[]> {
    return this.call('receiving from SQS', { queueUrl: url }, async () => {
      const output = await this.client.send(
        new ReceiveMessageCommand({
          QueueUrl: url,
          MaxNumberOfMessages: max,
          VisibilityTimeout: visibilitySeconds,
          WaitTimeSeconds: waitSeconds,
          MessageSystemAttributeNames: ['ApproximateReceiveCount', 'SentTimestamp', 'MessageGroupId'],
          MessageAttributeNames: ['All'],
        }),
        { abortSignal: signal },
      );
      return output.Messages ?? [];
    });
  }

  deleteBatch(url: string, entries: { id: string; handle: string }[]): Promise<BatchFailure[]> {
    return this.call('deleting SQS messages', { queueUrl: url }, async () => {
      const output = await this.client.send(
        new DeleteMessageBatchCommand({ QueueUrl: url, Entries: entries.map((e) => ({ Id: e.id, ReceiptHandle: e.handle })) }),
      );
      return failures(output.Failed);
    });
  }

  changeVisibilityBatch(url: string, entries: { id: string; handle: string; seconds: number }[]): Promise<BatchFailure[]> {
    return this.call('changing SQS message visibility', { queueUrl: url }, async () => {
      const output = await this.client.send(
        new ChangeMessageVisibilityBatchCommand({
          QueueUrl: url,
          Entries: entries.map((e) => ({ Id: e.id, ReceiptHandle: e.handle, VisibilityTimeout: e.seconds })),
        }),
      );
      return failures(output.Failed);
    });
  }

  purge(url: string, signal?: AbortSignal): Promise<void> {
    return this.call('purging an SQS queue', { queueUrl: url }, async () => {
      await this.client.send(new PurgeQueueCommand({ QueueUrl: url }), { abortSignal: signal });
    });
  }

  deleteQueue(url: string, signal?: AbortSignal): Promise<void> {
    return this.call('deleting an SQS queue', { queueUrl: url }, async () => {
      await this.client.send(new DeleteQueueCommand({ QueueUrl: url }), { abortSignal: signal });
    });
  }

  /** A cheap call that proves the endpoint answers and the credentials are accepted. */
  probe(prefix: string, signal?: AbortSignal): Promise<void> {
    return this.call('connecting to SQS', {}, async () => {
      try {
        await this.client.send(new ListQueuesCommand({ QueueNamePrefix: prefix || 'tq', MaxResults: 1 }), { abortSignal: signal });
      } catch (error) {
        // Queue-scoped IAM policies may forbid listing; the endpoint answered, which is what this checks.
        if (!isAwsError(error, 'AccessDenied', 'AccessDeniedException')) throw error;
      }
    });
  }

  close(): void {
    if (this.ownsClient) this.client.destroy();
  }
}

function failures(failed: { Id?: string; Code?: string; Message?: string; SenderFault?: boolean }[] | undefined): BatchFailure[] {
  return (failed ?? []).map((f) => ({ id: f.Id ?? '', code: f.Code ?? 'Unknown', message: f.Message ?? '', senderFault: f.SenderFault ?? true }));
}
