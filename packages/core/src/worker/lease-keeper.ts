import type { Delivery } from '../contracts/transport.js';
import type { WorkerRuntime } from './runtime.js';

/**
 * Keeps a leased message (SQS visibility, SQLite lease, Redis unacked score) from coming back to another worker
 * while this one holds it: from receipt (rate-limit and ETA waits included) until it is settled. It renews at a
 * third of the delivery's lease (or the configured heartbeat, if shorter), so one late renewal does not lose it.
 */
export class LeaseKeeper {
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly runtime: WorkerRuntime,
    private readonly delivery: Delivery,
  ) {}

  start(): void {
    if (this.timer || !this.delivery.extend || !this.runtime.transport.capabilities.extendLease) return;
    const leaseMs = this.delivery.leaseMs ?? this.runtime.leaseHeartbeatMs * 3;
    const every = Math.max(50, Math.min(this.runtime.leaseHeartbeatMs, Math.floor(leaseMs / 3)));
    this.timer = setInterval(() => {
      this.delivery.extend!(Math.max(leaseMs, every * 3)).catch((error: unknown) => {
        this.runtime.logger.warn('could not extend the lease of a held message', { queue: this.delivery.queue, error });
      });
    }, every);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }
}
