import { randomUUID } from 'node:crypto';
import { ErrorCodes, TqError, type TransportMessage } from '@tq/core';
import { encodeEnvelope, type Route } from './envelope.js';
import type { ResolvedSqsOptions } from './options.js';
import type { QueueInfo } from './queue-registry.js';
import type { BatchFailure, OutgoingMessage, SqsApi } from './sqs-api.js';

/** Message attribute with the real due time (ms since the epoch) of a delay longer than SQS's 15 minutes. */
export const DELIVER_AT_ATTRIBUTE = 'tq-deliver-at';
export const MAX_DELAY_SECONDS = 900;
const MAX_BATCH = 10;
const BATCH_RETRIES = 3;

export interface PreparedMessage {
  entry: OutgoingMessage;
  bytes: number;
}

/** What SQS counts against its size limit: the body plus every attribute's name, type and value. */
export function messageBytes(entry: OutgoingMessage): number {
  let bytes = Buffer.byteLength(entry.MessageBody);
  for (const [name, value] of Object.entries(entry.MessageAttributes ?? {})) {
    bytes += Buffer.byteLength(name) + Buffer.byteLength(value.DataType ?? '');
    bytes += value.BinaryValue ? value.BinaryValue.byteLength : Buffer.byteLength(value.StringValue ?? '');
  }
  return bytes;
}

/**
 * The SQS request for one message: kombu's base64 envelope; DelaySeconds (up to 15 minutes, longer delays carry
 * their due time in an attribute and are sent on again when they arrive); FIFO group and deduplication ids.
 */
export function prepareMessage(
  info: QueueInfo,
  message: TransportMessage,
  route: Route,
  delayMs: number | undefined,
  options: ResolvedSqsOptions,
): PreparedMessage {
  const entry: OutgoingMessage = { MessageBody: encodeEnvelope(message, route) };
  if (delayMs !== undefined && delayMs > 0) {
    if (info.fifo) {
      throw new TqError(ErrorCodes.NOT_SUPPORTED, `SQS FIFO queues take no per-message delay (queue ${info.name}); use a standard queue for countdowns and ETAs`, {
        details: { queue: info.name, delayMs },
      });
    }
    const seconds = Math.ceil(delayMs / 1000);
    entry.DelaySeconds = Math.min(seconds, MAX_DELAY_SECONDS);
    if (seconds > MAX_DELAY_SECONDS) {
      entry.MessageAttributes = { [DELIVER_AT_ATTRIBUTE]: { DataType: 'Number', StringValue: String(Date.now() + delayMs) } };
    }
  }
  if (info.fifo) {
    entry.MessageGroupId = pickString(message, 'MessageGroupId') ?? options.fifoGroupId;
    entry.MessageDeduplicationId = pickString(message, 'MessageDeduplicationId') ?? defaultDeduplicationId(message);
  }
  const bytes = messageBytes(entry);
  if (bytes > options.maxMessageBytes) {
    throw new TqError(
      ErrorCodes.MESSAGE_TOO_LARGE,
      `message for SQS queue ${info.sqsName} is ${bytes} bytes once encoded (base64 kombu envelope), over the limit of ${options.maxMessageBytes}: ` +
        'send a smaller payload, or store the payload elsewhere (S3, a database) and send a reference to it (claim-check pattern)',
      { details: { queue: info.name, bytes, limit: options.maxMessageBytes } },
    );
  }
  return { entry, bytes };
}

/** kombu reads `MessageGroupId` / `MessageDeduplicationId` from the message properties; tq also takes headers. */
function pickString(message: TransportMessage, key: string): string | undefined {
  const value = message.properties[key] ?? message.headers[key];
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/**
 * The task id, so a producer that publishes the same task twice within SQS's 5-minute window sends it once. A
 * retry reuses its task id with `retries` + 1, so retries get their own id instead of being swallowed.
 */
function defaultDeduplicationId(message: TransportMessage): string {
  const id = message.properties.correlationId ?? (typeof message.headers.id === 'string' ? message.headers.id : undefined);
  if (!id) return randomUUID();
  const retries = Number(message.headers.retries ?? 0);
  return retries > 0 ? `${id}-retry-${retries}` : id;
}

/**
 * Sends prepared messages to one queue in batches of up to 10 (and within the size limit per batch). Entries SQS
 * refused for a server-side reason are sent again; entries it refused as invalid make the whole call reject with
 * their indexes and codes.
 */
export async function sendAll(api: SqsApi, info: QueueInfo, prepared: PreparedMessage[], maxBytes: number, signal?: AbortSignal): Promise<void> {
  const refused: { index: number; code: string; message: string }[] = [];
  const batches: number[][] = [];
  let current: number[] = [];
  let currentBytes = 0;
  prepared.forEach((item, index) => {
    if (current.length === MAX_BATCH || (current.length > 0 && currentBytes + item.bytes > maxBytes)) {
      batches.push(current);
      current = [];
      currentBytes = 0;
    }
    current.push(index);
    currentBytes += item.bytes;
  });
  if (current.length > 0) batches.push(current);

  for (const batch of batches) {
    let pending = batch;
    for (let attempt = 0; pending.length > 0; attempt++) {
      const failures: BatchFailure[] =
        pending.length === 1
          ? await api.send(info.url, prepared[pending[0]!]!.entry, signal).then(() => [])
          : await api.sendBatch(info.url, pending.map((i) => prepared[i]!.entry), signal);
      const retry: number[] = [];
      for (const failure of failures) {
        const index = pending[Number(failure.id)]!;
        if (!failure.senderFault && attempt < BATCH_RETRIES) retry.push(index);
        else refused.push({ index, code: failure.code, message: failure.message });
      }
      pending = retry;
      if (retry.length > 0) await new Promise((resolve) => setTimeout(resolve, 100 * 2 ** attempt));
    }
  }
  if (refused.length > 0) {
    throw new TqError(ErrorCodes.BROKER_REFUSED, `SQS refused ${refused.length} of ${prepared.length} messages for queue ${info.sqsName}`, {
      details: { queue: info.name, refused },
    });
  }
}
