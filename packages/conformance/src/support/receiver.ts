import assert from 'node:assert/strict';
import type { Delivery, Transport } from '@tq/core';
import { tagOf } from './messages.js';
import { format, sleep, within } from './timing.js';

export interface ReceiverOptions {
  /** Passed to consume(); `'default'` leaves it out to test the transport's default. */
  prefetch?: number | 'default';
  /** Ack each delivery as it arrives. */
  autoAck?: boolean;
}

/**
 * Runs one `consume()` loop in the background and lets a case wait for what it yields, with deadlines: "the next
 * delivery within 10 s", "nothing more for 500 ms". Failures name the queues and what had arrived so far.
 */
export class Receiver {
  /** Everything yielded, in arrival order. */
  readonly received: Delivery[] = [];
  /** Date.now() when each delivery arrived, same order as `received`. */
  readonly arrivals: number[] = [];
  readonly #transport: Transport;
  readonly #queues: readonly string[];
  readonly #abort = new AbortController();
  readonly #done: Promise<void>;
  #taken = 0;
  #error: unknown;
  #ended = false;
  #wake: (() => void) | undefined;

  constructor(transport: Transport, queues: readonly string[], options: ReceiverOptions = {}) {
    this.#transport = transport;
    this.#queues = queues;
    this.#done = this.#run(options);
  }

  get ended(): boolean {
    return this.#ended;
  }

  /** What the consume loop threw, if it did. */
  get failure(): unknown {
    return this.#error;
  }

  /** Resolves when the consume loop has ended, however it ended. */
  get done(): Promise<void> {
    return this.#done;
  }

  /** The next delivery not yet taken, waiting up to `deadlineMs`. */
  async next(what: string, deadlineMs: number): Promise<Delivery> {
    const until = Date.now() + deadlineMs;
    while (this.received.length <= this.#taken) {
      this.#throwIfFailed(what);
      if (this.#ended) assert.fail(`${what}: the consumer of ${this.#describe()} ended without yielding it`);
      const left = until - Date.now();
      if (left <= 0) {
        assert.fail(`${what}: nothing delivered from ${this.#describe()} within ${deadlineMs} ms (taken so far: ${this.#taken})`);
      }
      await this.#changed(left);
    }
    return this.received[this.#taken++]!;
  }

  /** The next `count` deliveries. */
  async take(count: number, what: string, deadlineMs: number): Promise<Delivery[]> {
    const until = Date.now() + deadlineMs;
    const taken: Delivery[] = [];
    for (let i = 0; i < count; i++) {
      try {
        taken.push(await this.next(what, Math.max(until - Date.now(), 1)));
      } catch (error) {
        const got = taken.map(tagOf).join(', ');
        throw new assert.AssertionError({
          message: `${what}: got ${taken.length} of ${count} deliveries within ${deadlineMs} ms [${got}]\n${format(error)}`,
        });
      }
    }
    return taken;
  }

  /** Asserts nothing new arrives within `windowMs`. */
  async expectNothing(what: string, windowMs: number): Promise<void> {
    const until = Date.now() + windowMs;
    while (Date.now() < until) {
      this.#throwIfFailed(what);
      if (this.received.length > this.#taken) break;
      await this.#changed(until - Date.now());
    }
    this.#throwIfFailed(what);
    if (this.received.length > this.#taken) {
      const extra = this.received.slice(this.#taken).map(tagOf).join(', ');
      assert.fail(`${what}: expected nothing more from ${this.#describe()}, but got [${extra}]`);
    }
  }

  /** Aborts the loop and waits for it to end; fails if it does not end in time or ended with an error. */
  async stop(what: string, deadlineMs: number): Promise<void> {
    this.#abort.abort();
    await within(`${what}: the consume loop of ${this.#describe()} ending after its signal aborted`, this.#done, deadlineMs);
    this.#throwIfFailed(what);
  }

  /** Aborts without checking anything: cleanup. */
  async halt(deadlineMs: number): Promise<void> {
    this.#abort.abort();
    await Promise.race([this.#done, sleep(deadlineMs)]);
  }

  /** Waits for the loop to end by itself (the transport closed); fails after `deadlineMs`. */
  async waitUntilEnded(what: string, deadlineMs: number): Promise<void> {
    await within(`${what}: the consume loop of ${this.#describe()} ending`, this.#done, deadlineMs);
    this.#throwIfFailed(what);
  }

  async #run(options: ReceiverOptions): Promise<void> {
    try {
      const signal = this.#abort.signal;
      const prefetch = options.prefetch ?? 1;
      const iterable = this.#transport.consume(this.#queues, prefetch === 'default' ? { signal } : { prefetch, signal });
      for await (const delivery of iterable) {
        this.received.push(delivery);
        this.arrivals.push(Date.now());
        this.#notify();
        if (options.autoAck) await delivery.ack();
      }
    } catch (error) {
      this.#error = error;
    } finally {
      this.#ended = true;
      this.#notify();
    }
  }

  #throwIfFailed(what: string): void {
    if (this.#error !== undefined) {
      assert.fail(`${what}: the consume loop of ${this.#describe()} failed: ${format(this.#error)}`);
    }
  }

  #describe(): string {
    return `[${this.#queues.join(', ')}]`;
  }

  #notify(): void {
    const wake = this.#wake;
    this.#wake = undefined;
    wake?.();
  }

  #changed(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      const previous = this.#wake;
      this.#wake = done;
      function done() {
        clearTimeout(timer);
        previous?.();
        resolve();
      }
    });
  }
}
