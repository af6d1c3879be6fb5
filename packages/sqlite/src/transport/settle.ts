import type { SqliteConnection } from '../connection.js';
import { queueTopic } from '../notifier.js';
import { deadLetter, deadLetterQueueOf, deleteLeased, requeueLeased } from './message-store.js';

export type SettleKind = 'ack' | 'requeue' | 'dead';

/**
 * Writes an ack or reject through the connection's group commit (one transaction per event-loop turn for all of
 * them). An op whose lease was lost (it ran out and another consumer re-claimed the message) changes nothing:
 * that consumer owns the message now. Consumers of the queue a message went back to are woken after the commit.
 */
export function settleDelivery(
  connection: SqliteConnection,
  kind: SettleKind,
  id: number,
  deliveryCount: number,
  queue: string,
): Promise<void> {
  return connection.batcher
    .run(
      () => {
        const now = Date.now();
        if (kind === 'ack') {
          deleteLeased(connection, id, deliveryCount);
          return undefined;
        }
        if (kind === 'requeue') return requeueLeased(connection, id, deliveryCount, now) ? queue : undefined;
        const target = deadLetterQueueOf(connection, queue);
        return deadLetter(connection, id, deliveryCount, target, now) ? target : undefined;
      },
      (woken) => {
        if (woken !== undefined) connection.notifier.notify(queueTopic(woken));
      },
    )
    .then(() => undefined);
}
