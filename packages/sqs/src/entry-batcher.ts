import { ErrorCodes, TqError } from '@tq/core';
import { normalizeAwsCode } from './aws-errors.js';
import type { BatchFailure, SqsApi } from './sqs-api.js';

interface Pending {
  handle: string;
  seconds: number;
  resolve: () => void;
  reject: (error: TqError) => void;
}

type Kind = 'delete' | 'visibility';

const MAX_ENTRIES = 10;

/**
 * Batches deletes (acks) and visibility changes (extend, requeue) per queue: a batch goes out when 10 entries are
 * pending or `flushMs` after the first one, whichever comes first. Each caller's promise settles with its own
 * entry's outcome; a refused entry rejects with a TqError that carries SQS's code.
 */
export class EntryBatcher {
  private readonly pending = new Map<string, Pending[]>();
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private readonly inFlight = new Set<Promise<void>>();
  private closed = false;

  constructor(
    private readonly api: SqsApi,
    private readonly flushMs: number,
  ) {}

  delete(queueUrl: string, handle: string): Promise<void> {
    return this.add('delete', queueUrl, handle, 0);
  }

  changeVisibility(queueUrl: string, handle: string, seconds: number): Promise<void> {
    return this.add('visibility', queueUrl, handle, seconds);
  }

  /** Sends everything pending now and waits for every batch in flight. */
  async flush(): Promise<void> {
    for (const key of [...this.pending.keys()]) this.send(key);
    await Promise.allSettled([...this.inFlight]);
  }

  /** Sends what is pending; later calls fail with TQ_CLOSED. */
  async close(): Promise<void> {
    await this.flush();
    this.closed = true;
  }

  private add(kind: Kind, queueUrl: string, handle: string, seconds: number): Promise<void> {
    if (this.closed) return Promise.reject(new TqError(ErrorCodes.CLOSED, 'the SQS transport is closed'));
    const key = `${kind} ${queueUrl}`;
    return new Promise<void>((resolve, reject) => {
      let list = this.pending.get(key);
      if (!list) {
        list = [];
        this.pending.set(key, list);
      }
      list.push({ handle, seconds, resolve, reject });
      if (list.length >= MAX_ENTRIES) this.send(key);
      else if (!this.timers.has(key)) {
        const timer = setTimeout(() => this.send(key), this.flushMs);
        this.timers.set(key, timer);
      }
    });
  }

  private send(key: string): void {
    clearTimeout(this.timers.get(key));
    this.timers.delete(key);
    const list = this.pending.get(key);
    if (!list || list.length === 0) return;
    const batch = list.splice(0, MAX_ENTRIES);
    if (list.length === 0) this.pending.delete(key);
    else if (list.length >= MAX_ENTRIES) this.send(key);
    else this.timers.set(key, setTimeout(() => this.send(key), this.flushMs));
    const [kind, queueUrl] = splitKey(key);
    const run = this.run(kind, queueUrl, batch).finally(() => this.inFlight.delete(run));
    this.inFlight.add(run);
  }

  private async run(kind: Kind, queueUrl: string, batch: Pending[]): Promise<void> {
    const entries = batch.map((entry, index) => ({ id: String(index), handle: entry.handle, seconds: entry.seconds }));
    let failed: BatchFailure[];
    try {
      failed = kind === 'delete' ? await this.api.deleteBatch(queueUrl, entries) : await this.api.changeVisibilityBatch(queueUrl, entries);
    } catch (error) {
      for (const entry of batch) entry.reject(error as TqError);
      return;
    }
    const byId = new Map(failed.map((f) => [f.id, f]));
    batch.forEach((entry, index) => {
      const failure = byId.get(String(index));
      if (!failure) {
        entry.resolve();
        return;
      }
      const what = kind === 'delete' ? 'deleting an SQS message' : 'changing an SQS message visibility';
      entry.reject(
        new TqError(ErrorCodes.BROKER_REFUSED, `${what}: SQS refused it (${failure.code}: ${failure.message})`, {
          retryable: !failure.senderFault,
          details: { awsError: normalizeAwsCode(failure.code), queueUrl },
        }),
      );
    });
  }
}

function splitKey(key: string): [Kind, string] {
  const space = key.indexOf(' ');
  return [key.slice(0, space) as Kind, key.slice(space + 1)];
}
