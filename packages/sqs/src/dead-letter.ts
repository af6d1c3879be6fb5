import type { SqsApi, SqsMessage, OutgoingMessage } from './sqs-api.js';
import type { QueueInfo } from './queue-registry.js';

/** Message attribute naming why tq moved a message to the dead-letter queue. */
export const DEAD_LETTER_REASON_ATTRIBUTE = 'tq-dead-letter-reason';

/**
 * Copies a received message, body and attributes unchanged, to its queue's dead-letter queue. The caller deletes
 * the original afterwards (send first, so a crash in between duplicates rather than loses). Resolves false when
 * the queue has no dead-letter queue.
 */
export async function copyToDeadLetter(api: SqsApi, info: QueueInfo, raw: SqsMessage, reason: string): Promise<boolean> {
  if (!info.deadLetter) return false;
  const attributes = { ...(raw.MessageAttributes ?? {}) };
  // SQS allows 10 attributes; the reason is a courtesy and is left out rather than fail the move.
  if (Object.keys(attributes).length < 10) {
    attributes[DEAD_LETTER_REASON_ATTRIBUTE] = { DataType: 'String', StringValue: reason.slice(0, 1000) || 'rejected' };
  }
  const copy: OutgoingMessage = { MessageBody: raw.Body ?? '', MessageAttributes: attributes };
  if (info.fifo) {
    copy.MessageGroupId = raw.Attributes?.MessageGroupId ?? 'default';
    copy.MessageDeduplicationId = raw.MessageId;
  }
  await api.send(info.deadLetter.url, copy);
  return true;
}
