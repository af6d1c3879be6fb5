import type { Logger } from '@tq/core';
import type { SqsDelivery } from './delivery.js';

/**
 * Keeps the leases of held messages alive: every delivery fetched but not yet handed to the consumer, and (with
 * `autoExtend`) every delivery handed over and not yet settled. tq's worker extends the leases of the messages it
 * works on itself (`delivery.extend`), so by default the transport only covers its own buffer. A lease is renewed
 * for a full visibility timeout once a third of it has passed, so one slow renewal does not lose it.
 */
export class LeaseKeeper {
  private readonly held = new Set<SqsDelivery>();
  private timer: NodeJS.Timeout | undefined;
  private readonly leaseMs: number;

  constructor(
    leaseSeconds: number,
    private readonly autoExtend: boolean,
    private readonly logger: Logger,
  ) {
    this.leaseMs = leaseSeconds * 1000;
  }

  add(delivery: SqsDelivery): void {
    this.held.add(delivery);
    if (!this.timer) {
      const every = Math.min(10_000, Math.max(250, this.leaseMs / 4));
      this.timer = setInterval(() => this.renew(), every);
      this.timer.unref();
    }
  }

  remove(delivery: SqsDelivery): void {
    this.held.delete(delivery);
    if (this.held.size === 0) this.stop();
  }

  /** Deliveries not yet acked or rejected. */
  unsettled(): SqsDelivery[] {
    return [...this.held];
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  private renew(): void {
    const now = Date.now();
    for (const delivery of this.held) {
      if (delivery.extending || (delivery.yielded && !this.autoExtend)) continue;
      if (delivery.leaseUntil - now > (this.leaseMs * 2) / 3) continue;
      delivery.extending = true;
      delivery
        .extend(this.leaseMs)
        .catch((error: unknown) => {
          this.logger.warn('could not extend the lease of an SQS message; it may be delivered again', { queue: delivery.queue, error });
        })
        .finally(() => {
          delivery.extending = false;
        });
    }
  }
}
