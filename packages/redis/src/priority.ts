/**
 * Priorities on the wire and in tq.
 *
 * tq's contract is AMQP-style: a higher number is served first. kombu's Redis transport is the other way round:
 * BRPOP lists the bucket of priority 0 first, so on Redis a Celery message with priority 0 (also the default) is
 * served before one with priority 9. To let Python and tq agree on every message, the number on the wire
 * (`properties.priority` in the kombu envelope) keeps kombu's meaning and this transport translates at the edge:
 *
 *   wire = MAX_WIRE_PRIORITY - tq      tq = MAX_WIRE_PRIORITY - wire
 *
 * so a Python message with priority 9 (served last by a Python worker) reaches tq as priority 0 (served last).
 * A message without a priority is written as wire 0, exactly like kombu, and so shares the top bucket with
 * tq priorities 7..9.
 */
export const MAX_WIRE_PRIORITY = 9;

/** tq priority (higher first, any number) -> kombu wire priority 0..9 (lower first). */
export function toWirePriority(tqPriority: number | undefined): number {
  if (tqPriority === undefined || !Number.isFinite(tqPriority)) return 0;
  const clamped = Math.min(Math.max(Math.trunc(tqPriority), 0), MAX_WIRE_PRIORITY);
  return MAX_WIRE_PRIORITY - clamped;
}

/** kombu wire priority -> tq priority; undefined when the envelope carries none. Mirrors kombu's clamping. */
export function fromWirePriority(wire: unknown): number | undefined {
  const value = wirePriorityValue(wire);
  return value === undefined ? undefined : MAX_WIRE_PRIORITY - value;
}

/** kombu `_get_message_priority`: int(priority) clamped to 0..9; anything unusable counts as 0. */
export function wirePriorityValue(wire: unknown): number | undefined {
  if (wire === undefined || wire === null) return undefined;
  const parsed = typeof wire === 'number' ? wire : typeof wire === 'string' ? Number.parseInt(wire, 10) : Number.NaN;
  if (!Number.isFinite(parsed)) return 0;
  return Math.min(Math.max(Math.trunc(parsed), 0), MAX_WIRE_PRIORITY);
}

/** kombu `priority(n)`: the bucket a wire priority lands in, `steps[bisect(steps, n) - 1]`. */
export function bucketFor(wirePriority: number, steps: readonly number[]): number {
  let bucket = steps[0] ?? 0;
  for (const step of steps) {
    if (step <= wirePriority) bucket = step;
    else break;
  }
  return bucket;
}
