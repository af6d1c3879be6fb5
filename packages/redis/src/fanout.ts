import { ErrorCodes, TqError, type BroadcastMessage } from '@tq/core';
import { decodeEnvelope } from './envelope.js';
import type { KeyLayout } from './keys.js';
import type { Subscriber } from './subscriber.js';

/** Broadcasts received but not yet read by a slow subscriber; past this the oldest are dropped and reported. */
const MAX_BUFFERED = 10_000;

/**
 * `subscribe(exchange)` as kombu's Redis fanout does it: PSUBSCRIBE to `/{db}.<exchange>` and
 * `/{db}.<exchange>/*` (so both the pidbox form without a routing key and the events form with one arrive), with
 * every payload a kombu envelope. The subscription is made when `subscribe()` is called, not on the first
 * `next()`, so a broadcast sent after `subscribe()` returns (and after `ready()`) is received.
 */
export class FanoutSubscription implements AsyncIterableIterator<BroadcastMessage> {
  private readonly queue: BroadcastMessage[] = [];
  private waiter: ((result: IteratorResult<BroadcastMessage>) => void) | undefined;
  private ended = false;
  private readonly unsubscribes: Promise<(() => Promise<void>)[]>;
  readonly ready: Promise<void>;

  constructor(
    subscriber: Subscriber,
    private readonly keys: KeyLayout,
    readonly exchange: string,
    private readonly report: (error: TqError) => void,
    signal?: AbortSignal,
  ) {
    const handler = (channel: string, payload: Buffer) => this.receive(channel, payload);
    this.unsubscribes = Promise.all(keys.fanoutPatterns(exchange).map((pattern) => subscriber.psubscribe(pattern, handler)));
    this.ready = this.unsubscribes.then(() => undefined);
    this.ready.catch(() => {});
    if (signal?.aborted) void this.end();
    else signal?.addEventListener('abort', () => void this.end(), { once: true });
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  async next(): Promise<IteratorResult<BroadcastMessage>> {
    await this.ready;
    const value = this.queue.shift();
    if (value) return { done: false, value };
    if (this.ended) return { done: true, value: undefined };
    return new Promise((resolve) => {
      this.waiter = resolve;
    });
  }

  async return(): Promise<IteratorResult<BroadcastMessage>> {
    await this.end();
    return { done: true, value: undefined };
  }

  async end(): Promise<void> {
    if (this.ended) return;
    this.ended = true;
    const waiter = this.waiter;
    this.waiter = undefined;
    waiter?.({ done: true, value: undefined });
    const unsubscribes = await this.unsubscribes.catch(() => []);
    await Promise.all(unsubscribes.map((unsubscribe) => unsubscribe()));
  }

  private receive(channel: string, payload: Buffer): void {
    if (this.ended) return;
    const route = this.keys.parseFanoutChannel(channel);
    if (!route || route.exchange !== this.exchange) return;
    let message: BroadcastMessage;
    try {
      const decoded = decodeEnvelope(payload.toString('utf8'), this.exchange);
      message = { exchange: route.exchange, routingKey: route.routingKey, message: decoded.message };
    } catch (error) {
      this.report(TqError.is(error) ? error : new TqError(ErrorCodes.DECODE, `bad broadcast on ${channel}`, { cause: error }));
      return;
    }
    const waiter = this.waiter;
    if (waiter) {
      this.waiter = undefined;
      waiter({ done: false, value: message });
      return;
    }
    this.queue.push(message);
    if (this.queue.length > MAX_BUFFERED) {
      this.queue.shift();
      this.report(
        new TqError(ErrorCodes.BROKER_REFUSED, `subscriber of ${this.exchange} is too slow; dropped the oldest broadcast`, {
          details: { exchange: this.exchange, buffered: MAX_BUFFERED },
        }),
      );
    }
  }
}
