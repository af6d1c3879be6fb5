import type { Delivery, Transport, TransportMessage } from '../../src/index.js';

export function message(tag: string, headers: Record<string, unknown> = {}): TransportMessage {
  return {
    body: new TextEncoder().encode(tag),
    contentType: 'text/plain',
    contentEncoding: 'utf-8',
    headers: { tag, ...headers },
    properties: { correlationId: tag },
  };
}

export function tagOf(delivery: Delivery): string {
  return new TextDecoder().decode(delivery.message.body);
}

/** Takes `count` deliveries from a fresh consumer (acking each unless told not to), then stops it. */
export async function take(
  transport: Transport,
  queue: string,
  count: number,
  options: { prefetch?: number; ack?: boolean } = {},
): Promise<Delivery[]> {
  const taken: Delivery[] = [];
  if (count === 0) return taken;
  const abort = new AbortController();
  for await (const delivery of transport.consume([queue], { prefetch: options.prefetch ?? 1, signal: abort.signal })) {
    taken.push(delivery);
    if (options.ack !== false) await delivery.ack();
    if (taken.length === count) abort.abort();
  }
  return taken;
}
