import { ErrorCodes, TqError, sleep, type Delivery, type Logger, type TransportMessage } from '@tq/core';
import { admit, type AdmissionContext } from './admission.js';
import type { SqsDelivery } from './delivery.js';
import type { EntryBatcher } from './entry-batcher.js';
import type { ResolvedSqsOptions } from './options.js';
import type { QueueInfo, QueueRegistry } from './queue-registry.js';
import { Slots } from './slots.js';
import { awsNameOf, type SqsApi, type SqsMessage } from './sqs-api.js';

const MAX_PER_RECEIVE = 10;

export interface ConsumerHost {
  api: SqsApi;
  batcher: EntryBatcher;
  registry: QueueRegistry;
  options: ResolvedSqsOptions;
  logger: Logger;
  newDelivery(info: QueueInfo, raw: SqsMessage, message: TransportMessage, receivedAt: number, onSettled: () => void): SqsDelivery;
  forget(consumer: SqsConsumer): void;
}

interface QueueLoops {
  info: QueueInfo;
  running: number;
}

/**
 * One `consume()` iteration. Per queue, receive loops long-poll for up to 10 messages each while fewer than
 * `prefetch` deliveries are outstanding (fetched and not yet acked or rejected). A queue starts with one loop; a
 * loop that gets a full batch starts another (up to prefetch/10 loops, capped by maxReceiversPerQueue), and a loop
 * that comes back empty stops unless it is the queue's last, which then asks for one message at a time so an idle
 * queue holds at most one slot while it waits (a first poll asks for at most prefetch / queues). With fewer slots
 * than queues, a busy queue can wait up to waitTimeSeconds behind idle ones. When iteration stops, deliveries
 * fetched but not yielded are made visible again.
 */
export class SqsConsumer {
  private readonly buffer: SqsDelivery[] = [];
  private readonly halted = new AbortController();
  private readonly loops = new Set<Promise<void>>();
  private readonly slots: Slots;
  private readonly admission: AdmissionContext;
  private wake: (() => void) | undefined;
  private failure: unknown;

  constructor(
    private readonly host: ConsumerHost,
    private readonly queues: readonly string[],
    private readonly prefetch: number,
    private readonly signal: AbortSignal | undefined,
  ) {
    this.slots = new Slots(prefetch);
    this.admission = {
      api: host.api,
      batcher: host.batcher,
      logger: host.logger,
      makeDelivery: (info, raw, message, receivedAt) => host.newDelivery(info, raw, message, receivedAt, () => this.slots.release(1)),
    };
  }

  async *deliveries(): AsyncGenerator<Delivery, void, undefined> {
    const onAbort = () => this.halt();
    this.signal?.addEventListener('abort', onAbort, { once: true });
    if (this.signal?.aborted) this.halt();
    try {
      const infos = await Promise.all(this.queues.map((queue) => this.host.registry.resolve(queue, undefined, this.halted.signal)));
      for (const info of infos) this.spawn({ info, running: 0 });
      while (true) {
        if (this.failure !== undefined) throw this.failure;
        if (this.halted.signal.aborted) return;
        const next = this.buffer.shift();
        if (next) {
          next.yielded = true;
          yield next;
          continue;
        }
        await new Promise<void>((resolve) => {
          this.wake = resolve;
        });
      }
    } catch (error) {
      // Stopping (signal, close) while a queue was being looked up is the normal end, not a failure.
      if (this.halted.signal.aborted && this.failure === undefined && TqError.is(error, ErrorCodes.ABORTED)) return;
      throw error;
    } finally {
      this.signal?.removeEventListener('abort', onAbort);
      await this.stop();
    }
  }

  halt(): void {
    if (!this.halted.signal.aborted) this.halted.abort();
    this.notify();
  }

  /** Stops the loops and hands back what was fetched but not yielded. Safe to call more than once. */
  async stop(): Promise<void> {
    this.halt();
    await Promise.allSettled([...this.loops]);
    await Promise.all(this.buffer.splice(0).map((delivery) => delivery.release()));
    this.host.forget(this);
  }

  private notify(): void {
    const wake = this.wake;
    this.wake = undefined;
    wake?.();
  }

  private fail(error: unknown): void {
    if (this.failure === undefined && !this.halted.signal.aborted) this.failure = error;
    this.halt();
  }

  private spawn(queue: QueueLoops): void {
    queue.running++;
    const loop: Promise<void> = this.poll(queue)
      .catch((error: unknown) => this.fail(error))
      .finally(() => {
        queue.running--;
        this.loops.delete(loop);
      });
    this.loops.add(loop);
  }

  private async poll(queue: QueueLoops): Promise<void> {
    const { api, options, logger, registry } = this.host;
    const { info } = queue;
    const signal = this.halted.signal;
    const maxLoops = Math.min(options.maxReceiversPerQueue, Math.ceil(this.prefetch / MAX_PER_RECEIVE));
    const fullBatch = Math.min(MAX_PER_RECEIVE, this.prefetch);
    // Start with a fair share, so a first long poll on an idle queue cannot hold every slot.
    let want = Math.max(1, Math.min(fullBatch, Math.floor(this.prefetch / this.queues.length)));
    let backoffMs = 0;
    while (!signal.aborted) {
      const taken = await this.slots.acquire(want, signal);
      if (taken === 0) return;
      let messages: SqsMessage[];
      try {
        messages = await api.receive(info.url, taken, options.visibilityTimeoutSeconds, options.waitTimeSeconds, signal);
        backoffMs = 0;
      } catch (error) {
        this.slots.release(taken);
        if (signal.aborted) return;
        if (TqError.is(error) && error.retryable) {
          backoffMs = Math.min(5_000, backoffMs === 0 ? 250 : backoffMs * 2);
          logger.warn('receiving from SQS failed; trying again', { queue: info.name, retryInMs: backoffMs, error });
          await sleep(backoffMs, signal).catch(() => undefined);
          continue;
        }
        if (awsNameOf(error) === 'QueueDoesNotExist') registry.forget(info.name);
        throw error;
      }
      const deliveries = await admit(this.admission, info, messages, Date.now());
      this.slots.release(taken - deliveries.length);
      if (signal.aborted) {
        await Promise.all(deliveries.map((delivery) => delivery.release()));
        return;
      }
      if (deliveries.length > 0) {
        this.buffer.push(...deliveries);
        this.notify();
      }
      if (messages.length === 0) {
        if (queue.running > 1) return;
        want = 1;
        continue;
      }
      want = fullBatch;
      if (messages.length === MAX_PER_RECEIVE && queue.running < maxLoops && this.slots.free > 0) this.spawn(queue);
    }
  }
}
