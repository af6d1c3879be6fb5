import type { QueueInfo } from './queue-registry.js';
import type { SqsApi } from './sqs-api.js';

/**
 * Empties a queue of its ready messages by receiving and deleting them, and counts them. Exact where PurgeQueue is
 * not (PurgeQueue works in the background for up to a minute, may delete messages sent right after it, and is
 * allowed once a minute). `expected` is the ready count read before: short polls may miss messages on real SQS,
 * so one long poll confirms the queue is empty when fewer than that were found.
 */
export async function drainQueue(api: SqsApi, info: QueueInfo, expected: number, signal?: AbortSignal): Promise<number> {
  let removed = 0;
  let confirmed = false;
  while (true) {
    const messages = await api.receive(info.url, 10, 30, confirmed ? 1 : 0, signal);
    if (messages.length === 0) {
      if (confirmed || removed >= expected) return removed;
      confirmed = true;
      continue;
    }
    const failed = await api.deleteBatch(
      info.url,
      messages.map((message, index) => ({ id: String(index), handle: message.ReceiptHandle ?? '' })),
    );
    removed += messages.length - failed.length;
  }
}
