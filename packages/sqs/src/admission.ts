import { TqError, type Logger, type TransportMessage } from '@tq/core';
import { copyToDeadLetter } from './dead-letter.js';
import type { SqsDelivery } from './delivery.js';
import { decodeEnvelope } from './envelope.js';
import type { EntryBatcher } from './entry-batcher.js';
import { DELIVER_AT_ATTRIBUTE, MAX_DELAY_SECONDS } from './publisher.js';
import type { QueueInfo } from './queue-registry.js';
import type { SqsApi, SqsMessage } from './sqs-api.js';

export interface AdmissionContext {
  api: SqsApi;
  batcher: EntryBatcher;
  logger: Logger;
  makeDelivery(info: QueueInfo, raw: SqsMessage, message: TransportMessage, receivedAt: number): SqsDelivery;
}

/** A delayed message that arrives less than this before its due time is delivered rather than sent round again. */
const EARLY_TOLERANCE_MS = 1000;

/**
 * Turns received SQS messages into deliveries, in order. Two kinds never reach the consumer: a message delayed
 * past SQS's 15-minute limit whose due time has not come (sent again with the remaining delay, then deleted), and
 * a body that is not a kombu envelope (moved to the dead-letter queue with a logged TQ_MALFORMED_MESSAGE).
 */
export async function admit(context: AdmissionContext, info: QueueInfo, messages: SqsMessage[], receivedAt: number): Promise<SqsDelivery[]> {
  const results = await Promise.all(
    messages.map(async (raw): Promise<SqsDelivery | undefined> => {
      const dueAt = Number(raw.MessageAttributes?.[DELIVER_AT_ATTRIBUTE]?.StringValue);
      if (!info.fifo && Number.isFinite(dueAt) && dueAt - Date.now() > EARLY_TOLERANCE_MS) {
        await redelay(context, info, raw, dueAt);
        return undefined;
      }
      const count = Number(raw.Attributes?.ApproximateReceiveCount ?? 1);
      let message: TransportMessage;
      try {
        message = decodeEnvelope(raw.Body ?? '', count > 1);
      } catch (error) {
        await quarantine(context, info, raw, error as TqError);
        return undefined;
      }
      return context.makeDelivery(info, raw, message, receivedAt);
    }),
  );
  return results.filter((delivery): delivery is SqsDelivery => delivery !== undefined);
}

async function redelay(context: AdmissionContext, info: QueueInfo, raw: SqsMessage, dueAt: number): Promise<void> {
  const remainingSeconds = Math.ceil((dueAt - Date.now()) / 1000);
  try {
    await context.api.send(info.url, {
      MessageBody: raw.Body ?? '',
      MessageAttributes: raw.MessageAttributes,
      DelaySeconds: Math.min(remainingSeconds, MAX_DELAY_SECONDS),
    });
    await context.batcher.delete(info.url, raw.ReceiptHandle ?? '');
  } catch (error) {
    context.logger.warn('could not delay an SQS message further; it returns when its visibility timeout ends', {
      queue: info.name,
      messageId: raw.MessageId,
      error,
    });
  }
}

async function quarantine(context: AdmissionContext, info: QueueInfo, raw: SqsMessage, error: TqError): Promise<void> {
  const fields = { code: error.code, queue: info.name, messageId: raw.MessageId, reason: error.details?.reason };
  try {
    if (await copyToDeadLetter(context.api, info, raw, error.message)) {
      await context.batcher.delete(info.url, raw.ReceiptHandle ?? '');
      context.logger.error(`${error.message}; moved it to the dead-letter queue ${info.deadLetter!.sqsName}`, fields);
      return;
    }
    context.logger.error(`${error.message}; the queue has no dead-letter queue, so it stays and returns after its visibility timeout`, fields);
  } catch (moveError) {
    context.logger.error(`${error.message}; moving it to the dead-letter queue failed, it returns after its visibility timeout`, {
      ...fields,
      error: moveError,
    });
  }
}
