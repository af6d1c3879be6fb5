import type { SQSClient } from '@aws-sdk/client-sqs';
import { ErrorCodes, TqError, consoleLogger, type Logger } from '@tq/core';

export interface SqsCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

export interface SqsTransportOptions {
  /** AWS region. @default AWS_REGION, then AWS_DEFAULT_REGION, then `us-east-1` (kombu's default) */
  region?: string;
  /** Endpoint override for SQS-compatible servers, e.g. `http://127.0.0.1:9324`. @default AWS's endpoint */
  endpoint?: string;
  /** Static credentials. @default the standard AWS chain (environment, shared files, SSO, instance roles) */
  credentials?: SqsCredentials;
  /** Prepended to every queue name before it is turned into an SQS name (kombu's `queue_name_prefix`). @default '' */
  queuePrefix?: string;
  /** Create missing queues (and their dead-letter queues). When false a missing queue is a TQ_BROKER_REFUSED error. @default true */
  createQueues?: boolean;
  /** Lease taken on each received message, in seconds; a message whose consumer dies comes back after it. @default 30 */
  visibilityTimeoutSeconds?: number;
  /** `VisibilityTimeout` attribute of queues tq creates (what Celery workers on them get). @default 1800 (kombu's) */
  queueVisibilityTimeoutSeconds?: number;
  /** Long-poll wait of each receive, 0..20 seconds. @default 20 */
  waitTimeSeconds?: number;
  /** Give queues tq creates a dead-letter queue `<name>.dead` with a redrive policy. @default true */
  deadLetterQueues?: boolean;
  /** Receives after which SQS itself moves a message to the dead-letter queue (redrive policy). @default 20 */
  maxReceiveCount?: number;
  /** Extra attributes for queues tq creates (kombu's `sqs-creation-attributes`), e.g. `{ KmsMasterKeyId }`. */
  queueAttributes?: Record<string, string>;
  /** Largest encoded message sent, body plus attributes. SQS accepts up to 1 MiB on queues configured for it. @default 262144 */
  maxMessageBytes?: number;
  /** Attempts per request, first included, for throttling, 5xx and network errors (SDK retry strategy). @default 5 */
  maxAttempts?: number;
  /** SDK retry mode: `standard` (exponential backoff with jitter) or `adaptive` (adds client-side rate limiting). @default 'standard' */
  retryMode?: 'standard' | 'adaptive';
  /** MessageGroupId for FIFO queues when a message names none (kombu's default). @default 'default' */
  fifoGroupId?: string;
  /** Most concurrent receive loops per queue; each asks for up to 10 messages. @default 20 */
  maxReceiversPerQueue?: number;
  /** Deletes and visibility changes wait this long to be batched (flushed at once when 10 are pending). @default 5 */
  batchFlushMs?: number;
  /**
   * Keep every outstanding delivery's lease alive until it is acked or rejected, for consumers that do not call
   * `delivery.extend()` themselves. tq's worker extends the leases it holds, so it needs no help. Deliveries fetched
   * but not yet handed to the consumer are always kept alive. @default false
   */
  autoExtend?: boolean;
  logger?: Logger;
  /** Use this client instead of building one (region, endpoint, credentials and retry options are then ignored). */
  client?: SQSClient;
}

export type ResolvedSqsOptions = Required<Omit<SqsTransportOptions, 'endpoint' | 'credentials' | 'client'>> &
  Pick<SqsTransportOptions, 'endpoint' | 'credentials' | 'client'>;

function intOption(name: string, value: number | undefined, fallback: number, min: number, max: number): number {
  const resolved = value ?? fallback;
  if (!Number.isInteger(resolved) || resolved < min || resolved > max) {
    throw new TqError(ErrorCodes.INVALID_CONFIG, `SQS option ${name} must be an integer from ${min} to ${max}, got ${value}`);
  }
  return resolved;
}

export function resolveOptions(options: SqsTransportOptions = {}): ResolvedSqsOptions {
  return {
    region: options.region ?? process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION ?? 'us-east-1',
    endpoint: options.endpoint,
    credentials: options.credentials,
    client: options.client,
    queuePrefix: options.queuePrefix ?? '',
    createQueues: options.createQueues ?? true,
    visibilityTimeoutSeconds: intOption('visibilityTimeoutSeconds', options.visibilityTimeoutSeconds, 30, 1, 43_200),
    queueVisibilityTimeoutSeconds: intOption('queueVisibilityTimeoutSeconds', options.queueVisibilityTimeoutSeconds, 1800, 0, 43_200),
    waitTimeSeconds: intOption('waitTimeSeconds', options.waitTimeSeconds, 20, 0, 20),
    deadLetterQueues: options.deadLetterQueues ?? true,
    maxReceiveCount: intOption('maxReceiveCount', options.maxReceiveCount, 20, 1, 1000),
    queueAttributes: options.queueAttributes ?? {},
    maxMessageBytes: intOption('maxMessageBytes', options.maxMessageBytes, 262_144, 1024, 1_048_576),
    maxAttempts: intOption('maxAttempts', options.maxAttempts, 5, 1, 20),
    retryMode: options.retryMode ?? 'standard',
    fifoGroupId: options.fifoGroupId ?? 'default',
    maxReceiversPerQueue: intOption('maxReceiversPerQueue', options.maxReceiversPerQueue, 20, 1, 1000),
    batchFlushMs: intOption('batchFlushMs', options.batchFlushMs, 5, 0, 1000),
    autoExtend: options.autoExtend ?? false,
    logger: options.logger ?? consoleLogger(),
  };
}
