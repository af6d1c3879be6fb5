import type { AckBatcher } from './ack-batcher.js';
import { SCRIPTS, type TransportContext } from './context.js';
import { envelopeWirePriority } from './envelope.js';
import { closedError } from './errors.js';
import { type HeldMessage, ownership } from './held.js';
import { markRedelivered } from './json-scan.js';
import type { Restorer } from './restorer.js';
import { retryOnConnectionLoss } from './retry.js';

export type Outcome = 'ack' | 'requeue' | 'dead';

/** The list that receives a queue's rejected and malformed messages. */
export function deadList(ctx: TransportContext, queue: string): string {
  return ctx.keys.list(ctx.deadLetterQueue(queue), ctx.keys.steps[0] ?? 0);
}

/**
 * What ack and reject do on the broker. An ack goes through the batcher. `requeue` moves the message, marked
 * redelivered as kombu marks it, to the back of its list; `dead` moves it unchanged to the dead-letter list (or
 * acks it when dead-lettering is off, kombu's behaviour). Past its lease the message may have been restored and
 * fetched again under the same tag: then the unacked record is only touched if it is still this fetch's own.
 */
export function settleOnBroker(
  ctx: TransportContext,
  acks: AckBatcher,
  restorer: Restorer,
  held: HeldMessage,
  outcome: Outcome,
): Promise<void> {
  if (ctx.isClosed()) return Promise.reject(closedError(outcome === 'ack' ? 'ack' : 'reject'));
  // The common case (an ack within the lease) returns the batcher's promise as is: no async wrapper per task.
  if (outcome === 'ack' && Date.now() <= held.leaseUntil) return acks.ack(held.tag);
  return settleSlowly(ctx, acks, restorer, held, outcome);
}

async function settleSlowly(ctx: TransportContext, acks: AckBatcher, restorer: Restorer, held: HeldMessage, outcome: Outcome): Promise<void> {
  const expected = Date.now() > held.leaseUntil ? ownership(held.raw) : '';
  if (outcome === 'ack' || (outcome === 'dead' && !ctx.options.deadLetter)) {
    if (!expected) return acks.ack(held.tag);
    const keys = [ctx.keys.unacked, ctx.keys.unackedIndex];
    await retryOnConnectionLoss(ctx, () => SCRIPTS.ownedAck.run(ctx.command(), keys, [held.tag, expected]), 'ack');
    return;
  }
  const text = held.raw.toString('utf8');
  const item =
    outcome === 'requeue'
      ? {
          tag: held.tag,
          list: ctx.keys.listForPriority(held.queue, envelopeWirePriority(text)),
          envelope: markRedelivered(text) ?? held.raw,
          side: 'L' as const,
          expected,
        }
      : { tag: held.tag, list: deadList(ctx, held.queue), envelope: held.raw, side: 'L' as const, expected };
  await retryOnConnectionLoss(ctx, () => restorer.putBack([item]), outcome);
}
