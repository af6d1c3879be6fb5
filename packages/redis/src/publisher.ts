import { abortError, ErrorCodes, throwIfAborted, TqError, type PublishItem, type SignalOptions, type TransportMessage } from '@tq/core';
import type { ChainableCommander } from 'ioredis';
import { parseBindingMember, routeQueues } from './bindings.js';
import type { TransportContext } from './context.js';
import { encodeEnvelope } from './envelope.js';
import { toTqError } from './errors.js';
import { bucketFor, toWirePriority } from './priority.js';

/** Redis strings (and so list elements) stop at 512 MB. */
export const MAX_MESSAGE_BYTES = 512 * 1024 * 1024;

interface Route {
  /** '' for the default exchange. */
  exchange: string;
  routingKey: string;
  /** Queues to LPUSH to (empty: nothing is bound). */
  queues: string[];
}

/** tq.unroutable keeps the newest this many; it is a place to look, not a queue to grow without bound. */
const UNROUTABLE_KEEP = 10_000;

/**
 * Publishing as kombu does on Redis: the default exchange (or `queue`) LPUSHes to the routing key's queue; a named
 * exchange is routed through its `_kombu.binding.<exchange>` table (direct, topic and fanout exchanges alike, so
 * `publish` to a fanout exchange copies the message into every bound queue). `broadcast` is kombu's fanout on
 * Redis: a PUBLISH on `/{db}.<exchange>/<routing key>`, received by whoever subscribes right now. Each copy gets
 * its own delivery tag (kombu reuses one across copies, which makes their unacked records collide). A delayed
 * message waits in `tq.delayed.<queue>` until a tq consumer of that queue moves it into the list.
 */
export class Publisher {
  constructor(private readonly ctx: TransportContext) {}

  async publish(items: readonly PublishItem[], options: SignalOptions = {}): Promise<void> {
    const failures = await this.publishEach(items, options);
    const failure = failures.find((error) => error !== undefined);
    if (failure) throw failure;
  }

  /**
   * Publishes every item in one pipeline (one write) and reports each item's own outcome: undefined when it went
   * through, else its error (an item's copies are queued all or none, so a failed item wrote nothing).
   */
  async publishEach(items: readonly PublishItem[], options: SignalOptions = {}): Promise<(TqError | undefined)[]> {
    throwIfAborted(options.signal, 'publish');
    const routes = await this.route(items);
    const { keys } = this.ctx;
    const pipeline = this.ctx.command().pipeline();
    const outcomes: (TqError | undefined)[] = new Array(items.length).fill(undefined);
    /** Pipeline command indexes [from, to) of each item that was queued. */
    const spans: [item: number, from: number, to: number][] = [];
    const unroutable: string[] = [];
    let commands = 0;
    for (const [i, { message, options: publishOptions }] of items.entries()) {
      const route = routes[i]!;
      if (route instanceof TqError) {
        outcomes[i] = route;
        continue;
      }
      const wirePriority = toWirePriority(publishOptions.priority ?? message.properties?.priority ?? this.ctx.options.defaultPriority);
      const target = { exchange: route.exchange, routingKey: route.routingKey, wirePriority };
      let texts: string[];
      try {
        // Encoded before anything is queued, so a message that cannot be encoded leaves no partial copies.
        texts = route.queues.length === 0 ? [checked(encodeEnvelope(message, target).text)] : route.queues.map(() => checked(encodeEnvelope(message, target).text));
      } catch (error) {
        outcomes[i] = toTqError(error, 'publish');
        continue;
      }
      const from = commands;
      if (route.queues.length === 0) {
        unroutable.push(`${route.exchange}/${route.routingKey}`);
        pipeline.lpush(keys.unroutable, texts[0]!);
        pipeline.ltrim(keys.unroutable, 0, UNROUTABLE_KEEP - 1);
        commands += 2;
      }
      for (const [q, queue] of route.queues.entries()) {
        const text = texts[q]!;
        const delayMs = publishOptions.delayMs ?? 0;
        if (delayMs > 0) {
          const due = Date.now() + delayMs;
          const bucketIndex = keys.steps.indexOf(bucketFor(wirePriority, keys.steps));
          pipeline.zadd(keys.delayed(queue), due, `${bucketIndex}:${text}`);
          pipeline.publish(keys.delayed(queue), String(due));
          commands += 2;
        } else {
          pipeline.lpush(keys.listForPriority(queue, wirePriority), text);
          commands += 1;
        }
      }
      spans.push([i, from, commands]);
    }
    if (commands > 0) {
      let results: [Error | null, unknown][] | null;
      try {
        results = await raceAbort(pipeline.exec(), options.signal);
      } catch (error) {
        const failure = toTqError(error, 'publish');
        for (const [i] of spans) outcomes[i] = failure;
        return outcomes;
      }
      for (const [i, from, to] of spans) {
        const failure = results?.slice(from, to).find(([error]) => error)?.[0];
        if (failure) outcomes[i] = toTqError(failure, 'publish');
      }
    }
    if (unroutable.length > 0) {
      this.ctx.report(
        new TqError(ErrorCodes.BROKER_REFUSED, `no queue is bound for ${unroutable.join(', ')}; the message was parked in tq.unroutable`, {
          details: { routes: unroutable },
        }),
      );
    }
    return outcomes;
  }

  async broadcast(exchange: string, routingKey: string, message: TransportMessage, options: SignalOptions = {}): Promise<void> {
    throwIfAborted(options.signal, 'broadcast');
    const wirePriority = toWirePriority(message.properties?.priority ?? this.ctx.options.defaultPriority);
    const text = checked(encodeEnvelope(message, { exchange, routingKey, wirePriority }).text);
    const pipeline = this.ctx.command().pipeline().publish(this.ctx.keys.fanoutChannel(exchange, routingKey), text);
    await execute(pipeline, options.signal, 'broadcast');
  }

  private async route(items: readonly PublishItem[]): Promise<(Route | TqError)[]> {
    const tables = new Map<string, Promise<string[]>>();
    const routes: Promise<Route>[] = items.map(async ({ options }) => {
      if (options.queue !== undefined) {
        if (!options.queue) throw new TqError(ErrorCodes.INVALID_CONFIG, 'publish: the queue name is empty');
        return { exchange: '', routingKey: options.queue, queues: [options.queue] };
      }
      const exchange = options.exchange ?? '';
      const routingKey = options.routingKey ?? '';
      if (!exchange) {
        if (!routingKey) throw new TqError(ErrorCodes.INVALID_CONFIG, 'publish needs a queue, or an exchange and routing key');
        return { exchange, routingKey, queues: [routingKey] };
      }
      let table = tables.get(exchange);
      if (!table) {
        table = this.ctx.command().smembers(this.ctx.keys.binding(exchange));
        tables.set(exchange, table);
      }
      const entries = (await table).flatMap((member) => parseBindingMember(member, this.ctx.options.separator) ?? []);
      return { exchange, routingKey, queues: routeQueues(entries, this.ctx.exchangeType(exchange), routingKey) };
    });
    const settled = await Promise.allSettled(routes);
    return settled.map((result) => (result.status === 'fulfilled' ? result.value : toTqError(result.reason, 'publish (routing)')));
  }
}

async function execute(pipeline: ChainableCommander, signal: AbortSignal | undefined, what: string): Promise<void> {
  let results: [Error | null, unknown][] | null;
  try {
    results = await raceAbort(pipeline.exec(), signal);
  } catch (error) {
    throw toTqError(error, what);
  }
  const failure = results?.find(([error]) => error)?.[0];
  if (failure) throw toTqError(failure, what);
}

function checked(text: string): string {
  checkSize(text);
  return text;
}

function checkSize(text: string): void {
  if (text.length > MAX_MESSAGE_BYTES / 4 && Buffer.byteLength(text) > MAX_MESSAGE_BYTES) {
    throw new TqError(ErrorCodes.MESSAGE_TOO_LARGE, `the message is larger than Redis' 512 MB limit`, {
      details: { bytes: Buffer.byteLength(text), limit: MAX_MESSAGE_BYTES },
    });
  }
}

async function raceAbort<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return promise;
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(abortError(signal, 'publish'));
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}
