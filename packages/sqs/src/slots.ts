/**
 * Counts the deliveries a consumer may still take (prefetch minus those outstanding). Receive loops acquire up to
 * 10 slots before each receive and give back what SQS did not fill; settled deliveries give theirs back. Waiters are
 * served in arrival order so one busy queue cannot starve another queue's loop.
 */
export class Slots {
  private available: number;
  private readonly waiters: { max: number; resolve: (count: number) => void }[] = [];

  constructor(total: number) {
    this.available = total;
  }

  get free(): number {
    return this.available;
  }

  /** Waits for at least one slot, then takes up to `max`. Resolves 0 when the signal aborts. */
  acquire(max: number, signal: AbortSignal): Promise<number> {
    if (signal.aborted) return Promise.resolve(0);
    if (this.available > 0 && this.waiters.length === 0) return Promise.resolve(this.take(max));
    return new Promise((resolve) => {
      const waiter = {
        max,
        resolve: (count: number) => {
          signal.removeEventListener('abort', onAbort);
          resolve(count);
        },
      };
      const onAbort = () => {
        const index = this.waiters.indexOf(waiter);
        if (index >= 0) this.waiters.splice(index, 1);
        resolve(0);
      };
      signal.addEventListener('abort', onAbort, { once: true });
      this.waiters.push(waiter);
    });
  }

  release(count: number): void {
    if (count <= 0) return;
    this.available += count;
    while (this.available > 0 && this.waiters.length > 0) {
      const waiter = this.waiters.shift()!;
      waiter.resolve(this.take(waiter.max));
    }
  }

  private take(max: number): number {
    const count = Math.min(max, this.available);
    this.available -= count;
    return count;
  }
}
