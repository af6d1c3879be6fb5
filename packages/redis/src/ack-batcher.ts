import type { TransportContext } from './context.js';
import { closedError, isConnectionError, toTqError } from './errors.js';

interface PendingAck {
  tag: string;
  resolve: () => void;
  reject: (error: unknown) => void;
}

/**
 * Acknowledgements issued in the same tick go out together: one pipeline with `ZREM unacked_index t1 t2 ...` and
 * `HDEL unacked t1 t2 ...` (kombu's ack, batched). An ack that meets a dropped connection is sent again once
 * Redis is back (ZREM/HDEL are idempotent), so an ack made during an outage is not lost.
 */
export class AckBatcher {
  private pending: PendingAck[] = [];
  private scheduled = false;
  private inFlight = new Set<Promise<void>>();

  constructor(
    private readonly ctx: TransportContext,
    private readonly maxBatch = 5000,
  ) {}

  ack(tag: string): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.pending.push({ tag, resolve, reject });
      if (this.pending.length >= this.maxBatch) this.flush();
      else if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => this.flush());
      }
    });
  }

  /** Resolves when every ack issued so far has reached Redis (or failed for good). */
  async drain(): Promise<void> {
    if (this.pending.length > 0) this.flush();
    while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight]);
  }

  private flush(): void {
    this.scheduled = false;
    if (this.pending.length === 0) return;
    const batch = this.pending;
    this.pending = [];
    const sending = this.send(batch).finally(() => this.inFlight.delete(sending));
    this.inFlight.add(sending);
  }

  private async send(batch: PendingAck[]): Promise<void> {
    const tags = batch.map((item) => item.tag);
    for (let attempt = 0; ; attempt++) {
      try {
        const client = this.ctx.command();
        const results = await client.pipeline().zrem(this.ctx.keys.unackedIndex, ...tags).hdel(this.ctx.keys.unacked, ...tags).exec();
        const failure = results?.find(([error]) => error)?.[0];
        if (failure) throw failure;
        for (const item of batch) item.resolve();
        return;
      } catch (error) {
        if (this.ctx.isClosed()) {
          for (const item of batch) item.reject(closedError('ack'));
          return;
        }
        if (!isConnectionError(error)) {
          const failure = toTqError(error, 'ack', { tags: tags.length });
          for (const item of batch) item.reject(failure);
          return;
        }
        // The connection dropped with the pipeline on the wire: send it again when Redis is back.
        await new Promise((resolve) => setTimeout(resolve, Math.min(100 * 2 ** attempt, 2000)));
      }
    }
  }
}
