import { ErrorCodes, TqError, type Delivery, type Logger, type TransportMessage } from '@tq/core';
import { copyToDeadLetter } from './dead-letter.js';
import type { EntryBatcher } from './entry-batcher.js';
import type { QueueInfo } from './queue-registry.js';
import { awsNameOf, type SqsApi, type SqsMessage } from './sqs-api.js';

/** SQS keeps a received message invisible for at most 12 hours from the receive. */
const MAX_HOLD_SECONDS = 43_200;
/** Errors SQS gives for a receipt handle whose lease ended (the message is visible again or received by another). */
const LEASE_GONE = new Set(['MessageNotInflight', 'InvalidParameterValue', 'ReceiptHandleIsInvalid']);

export interface DeliveryContext {
  api: SqsApi;
  batcher: EntryBatcher;
  logger: Logger;
  /** Called once, when the delivery is acked, rejected or released. */
  onSettled(delivery: SqsDelivery): void;
}

/**
 * One received SQS message. `ack` deletes it (batched), `reject({requeue:true})` makes it visible again at once,
 * `reject()` copies it to the dead-letter queue and deletes it, `extend(ms)` changes its visibility timeout.
 */
export class SqsDelivery implements Delivery {
  readonly queue: string;
  readonly redelivered: boolean;
  readonly deliveryCount: number | undefined;
  readonly receivedAt: number;
  /** The visibility timeout this message was received with; the worker renews by this much. */
  readonly leaseMs: number;
  /** When the lease on this message ends, as far as this process knows. */
  leaseUntil: number;
  /** Handed to the consumer (before that, the transport keeps the lease alive itself). */
  yielded = false;
  extending = false;
  private settlement: Promise<void> | undefined;

  constructor(
    private readonly context: DeliveryContext,
    readonly info: QueueInfo,
    readonly raw: SqsMessage,
    readonly message: TransportMessage,
    receivedAt: number,
    leaseSeconds: number,
  ) {
    this.queue = info.name;
    const count = Number(raw.Attributes?.ApproximateReceiveCount);
    this.deliveryCount = Number.isFinite(count) && count > 0 ? count : undefined;
    this.redelivered = (this.deliveryCount ?? 1) > 1;
    this.receivedAt = receivedAt;
    this.leaseMs = leaseSeconds * 1000;
    this.leaseUntil = receivedAt + this.leaseMs;
  }

  get settled(): boolean {
    return this.settlement !== undefined;
  }

  private get handle(): string {
    return this.raw.ReceiptHandle ?? '';
  }

  ack(): Promise<void> {
    return this.settle(async () => {
      const lapsed = Date.now() > this.leaseUntil;
      await this.context.batcher.delete(this.info.url, this.handle);
      if (lapsed) {
        // SQS accepts a delete with an outdated receipt handle and does nothing when the message was received
        // again meanwhile: it may run a second time. Say so instead of pretending.
        const error = new TqError(ErrorCodes.TIMEOUT, 'acked an SQS message after its visibility timeout ended; it may be delivered again', {
          details: { reason: 'lease-expired', queue: this.queue, messageId: this.raw.MessageId, leaseEndedAt: new Date(this.leaseUntil).toISOString() },
        });
        this.context.logger.warn(error.message, { code: error.code, ...error.details });
      }
    });
  }

  reject(options: { requeue?: boolean } = {}): Promise<void> {
    if (options.requeue) return this.settle(() => this.makeVisible());
    return this.settle(async () => {
      const moved = await copyToDeadLetter(this.context.api, this.info, this.raw, 'rejected');
      if (!moved) {
        this.context.logger.warn('rejected SQS message deleted: its queue has no dead-letter queue (redrive policy)', {
          queue: this.queue,
          messageId: this.raw.MessageId,
        });
      }
      await this.context.batcher.delete(this.info.url, this.handle);
    });
  }

  async extend(ms: number): Promise<void> {
    if (this.settlement) return;
    const now = Date.now();
    const allowed = MAX_HOLD_SECONDS - Math.ceil((now - this.receivedAt) / 1000);
    if (allowed <= 0) {
      throw new TqError(ErrorCodes.TIMEOUT, 'SQS keeps a received message for at most 12 hours; its lease cannot be extended', {
        details: { reason: 'lease-limit', queue: this.queue, messageId: this.raw.MessageId },
      });
    }
    const seconds = Math.min(Math.max(0, Math.ceil(ms / 1000)), allowed);
    try {
      await this.context.batcher.changeVisibility(this.info.url, this.handle, seconds);
    } catch (error) {
      if (!LEASE_GONE.has(awsNameOf(error) ?? '')) throw error;
      throw new TqError(ErrorCodes.TIMEOUT, 'the SQS lease already ended; the message may be delivered again', {
        cause: error,
        details: { reason: 'lease-expired', queue: this.queue, messageId: this.raw.MessageId },
      });
    }
    this.leaseUntil = now + seconds * 1000;
  }

  /** Gives an unprocessed message back at once (consume stopped or transport closed before it was handled). */
  release(): Promise<void> {
    return this.settle(() => this.makeVisible()).catch((error: unknown) => {
      this.context.logger.warn('could not hand an SQS message back; it returns when its lease ends', { queue: this.queue, error });
    });
  }

  private async makeVisible(): Promise<void> {
    try {
      await this.context.batcher.changeVisibility(this.info.url, this.handle, 0);
    } catch (error) {
      // The lease already ended: the message is visible again (or with another consumer), which is what was asked.
      if (!LEASE_GONE.has(awsNameOf(error) ?? '')) throw error;
    }
  }

  private settle(run: () => Promise<void>): Promise<void> {
    if (!this.settlement) {
      this.context.onSettled(this);
      this.settlement = run();
    }
    return this.settlement;
  }
}
