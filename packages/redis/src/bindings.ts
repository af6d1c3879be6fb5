import type { ExchangeType } from '@tq/core';

/**
 * kombu's binding table, `_kombu.binding.<exchange>`: a SET of `routing_key + sep + pattern + sep + queue`, where
 * the pattern is '' for direct and fanout exchanges and a Python regex for topic exchanges. Python producers
 * route through it, and restores look queues up in it, so tq writes exactly what kombu writes.
 */
export interface BindingEntry {
  routingKey: string;
  pattern: string;
  queue: string;
}

export function bindingMember(entry: BindingEntry, separator: string): string {
  return [entry.routingKey, entry.pattern, entry.queue].join(separator);
}

export function parseBindingMember(member: string, separator: string): BindingEntry | null {
  const parts = member.split(separator);
  if (parts.length !== 3) return null;
  const [routingKey = '', pattern = '', queue = ''] = parts;
  return { routingKey, pattern, queue };
}

/** kombu's `TopicExchange.key_to_pattern`: `*` is one word, `#` any words, everything else escaped. */
export function topicPattern(routingKey: string): string {
  const escaped = Array.from(routingKey, (char) => {
    if (char === '.' || char === '#' || char === '*' || /^[\p{L}\p{N}]$/u.test(char)) return char;
    return char === '\0' ? '\\000' : `\\${char}`;
  }).join('');
  const words = escaped.split('.').map((word) => (word === '*' ? '.*?[^\\.]' : word === '#' ? '.*?' : word));
  return `^${words.join('\\.')}$`;
}

/**
 * AMQP topic matching on words: `*` is exactly one word, `#` zero or more. kombu's own regexes are looser (its `*`
 * can span several words and `a.#` does not match `a`); tq writes kombu's pattern into the table for Python
 * producers but routes by the binding's routing key with AMQP's rules.
 */
export function topicMatches(bindingKey: string, routingKey: string): boolean {
  return matchWords(bindingKey.split('.'), 0, routingKey === '' ? [] : routingKey.split('.'), 0);
}

function matchWords(pattern: string[], p: number, words: string[], w: number): boolean {
  if (p === pattern.length) return w === words.length;
  const head = pattern[p];
  if (head === '#') {
    for (let skip = w; skip <= words.length; skip++) if (matchWords(pattern, p + 1, words, skip)) return true;
    return false;
  }
  if (w === words.length) return false;
  return (head === '*' || head === words[w]) && matchWords(pattern, p + 1, words, w + 1);
}

/**
 * The queues a message published to `exchange` with `routingKey` goes to. The exchange type comes from a local
 * declaration; without one, a table with patterns is a topic exchange and any other a direct one (kombu itself
 * assumes direct for undeclared exchanges).
 */
export function routeQueues(entries: readonly BindingEntry[], type: ExchangeType | undefined, routingKey: string): string[] {
  const kind = type ?? (entries.some((entry) => entry.pattern !== '') ? 'topic' : 'direct');
  const queues = new Set<string>();
  for (const entry of entries) {
    if (!entry.queue) continue;
    if (kind === 'fanout') queues.add(entry.queue);
    else if (kind === 'direct' && entry.routingKey === routingKey) queues.add(entry.queue);
    else if (kind === 'topic' && topicMatches(entry.routingKey, routingKey)) queues.add(entry.queue);
  }
  return [...queues];
}
