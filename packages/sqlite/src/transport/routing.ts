import type { ExchangeType } from '@tq/core';
import { ErrorCodes, TqError } from '@tq/core';
import type { SqliteConnection } from '../connection.js';

/**
 * AMQP-style routing over the tq_exchanges / tq_bindings tables. The default exchange `''` routes to the queue
 * named by the routing key. Direct matches the key exactly, topic by pattern (`*` one word, `#` zero or more),
 * fanout reaches every bound queue (and the broadcast subscribers). Declarations are read on each publish (one
 * indexed lookup) so a binding made by another process applies at once.
 */
export interface Route {
  type: ExchangeType | 'default';
  queues: string[];
}

export function route(connection: SqliteConnection, exchange: string, routingKey: string): Route {
  if (exchange === '') return { type: 'default', queues: [routingKey] };
  const type = connection
    .statement<[string], string>('SELECT type FROM tq_exchanges WHERE name = ?')
    .pluck()
    .get(exchange) as ExchangeType | undefined;
  if (!type) {
    throw new TqError(ErrorCodes.BROKER_REFUSED, `sqlite: exchange "${exchange}" is not declared`, {
      details: { exchange },
    });
  }
  if (type === 'direct') {
    const queues = connection
      .statement<[string, string], string>('SELECT queue FROM tq_bindings WHERE exchange = ? AND routing_key = ?')
      .pluck()
      .all(exchange, routingKey);
    return { type, queues };
  }
  const bindings = connection
    .statement<[string], { queue: string; routing_key: string }>(
      'SELECT queue, routing_key FROM tq_bindings WHERE exchange = ?',
    )
    .all(exchange);
  const queues = new Set<string>();
  for (const binding of bindings) {
    if (type === 'fanout' || topicMatches(binding.routing_key, routingKey)) queues.add(binding.queue);
  }
  return { type, queues: [...queues] };
}

/** AMQP topic matching on dot-separated words. */
export function topicMatches(pattern: string, routingKey: string): boolean {
  const patternWords = pattern.split('.');
  const keyWords = routingKey.split('.');
  const memo = new Map<number, boolean>();
  const match = (p: number, k: number): boolean => {
    const slot = p * (keyWords.length + 1) + k;
    const known = memo.get(slot);
    if (known !== undefined) return known;
    let result: boolean;
    if (p === patternWords.length) result = k === keyWords.length;
    else if (patternWords[p] === '#') result = match(p + 1, k) || (k < keyWords.length && match(p, k + 1));
    else
      result =
        k < keyWords.length && (patternWords[p] === '*' || patternWords[p] === keyWords[k]) && match(p + 1, k + 1);
    memo.set(slot, result);
    return result;
  };
  return match(0, 0);
}
