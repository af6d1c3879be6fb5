/**
 * AMQP topic matching: routing keys and patterns are dot-separated words; `*` matches exactly one word and `#`
 * matches zero or more words.
 */
export function topicMatches(pattern: string, routingKey: string): boolean {
  const words = routingKey.split('.');
  // Consecutive `#` match the same as one; collapsing them keeps the search below linear in practice.
  const parts = pattern.split('.').filter((part, i, all) => !(part === '#' && all[i - 1] === '#'));
  const memo = new Map<number, boolean>();

  const matchFrom = (p: number, w: number): boolean => {
    const key = p * (words.length + 1) + w;
    const known = memo.get(key);
    if (known !== undefined) return known;
    let result: boolean;
    if (p === parts.length) {
      result = w === words.length;
    } else if (parts[p] === '#') {
      result = false;
      for (let next = w; next <= words.length && !result; next++) result = matchFrom(p + 1, next);
    } else {
      result = w < words.length && (parts[p] === '*' || parts[p] === words[w]) && matchFrom(p + 1, w + 1);
    }
    memo.set(key, result);
    return result;
  };

  return matchFrom(0, 0);
}
