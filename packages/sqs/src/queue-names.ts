import { ErrorCodes, TqError } from '@tq/core';

// Python's string.punctuation: kombu maps '.' to '-', keeps '-' and '_', and turns the rest into '_'.
const PUNCTUATION = new Set('!"#$%&\'()*+,-./:;<=>?@[\\]^_`{|}~');
const FIFO_SUFFIX = '.fifo';
const STANDARD_NAME = /^[A-Za-z0-9_-]{1,80}$/;
const FIFO_NAME = /^[A-Za-z0-9_-]{1,75}\.fifo$/;

export function isFifoName(name: string): boolean {
  return name.endsWith(FIFO_SUFFIX);
}

/**
 * The SQS name of a tq/Celery queue, exactly as kombu's SQS transport computes it (`Channel.entity_name` of
 * prefix + name), so Python and tq workers meet on the same SQS queue: `tasks.high` becomes `tasks-high`.
 * Throws TQ_INVALID_CONFIG when the result is still not a name SQS accepts (too long, non-ASCII).
 */
export function sqsQueueName(name: string, prefix = ''): string {
  const full = prefix + name;
  const fifo = isFifoName(full);
  const base = fifo ? full.slice(0, -FIFO_SUFFIX.length) : full;
  let mapped = '';
  for (const char of base) {
    if (char === '.') mapped += '-';
    else if (PUNCTUATION.has(char) && char !== '-' && char !== '_') mapped += '_';
    else mapped += char;
  }
  const sqsName = fifo ? mapped + FIFO_SUFFIX : mapped;
  if (!(fifo ? FIFO_NAME : STANDARD_NAME).test(sqsName)) {
    throw new TqError(
      ErrorCodes.INVALID_CONFIG,
      `queue name ${JSON.stringify(full)} becomes SQS name ${JSON.stringify(sqsName)}, which SQS rejects: ` +
        'SQS names are 1-80 ASCII letters, digits, hyphens and underscores (FIFO names end in .fifo)',
      { details: { queue: name, prefix, sqsName } },
    );
  }
  return sqsName;
}

/** tq's default dead-letter queue for `name`: `<name>.dead` (`orders.fifo` → `orders.dead.fifo`). */
export function defaultDeadLetterName(name: string): string {
  return isFifoName(name) ? `${name.slice(0, -FIFO_SUFFIX.length)}.dead${FIFO_SUFFIX}` : `${name}.dead`;
}

/** Dead-letter queues get no dead-letter queue of their own. */
export function looksLikeDeadLetterName(name: string): boolean {
  const base = isFifoName(name) ? name.slice(0, -FIFO_SUFFIX.length) : name;
  return base.endsWith('.dead') || base.endsWith('-dead');
}
