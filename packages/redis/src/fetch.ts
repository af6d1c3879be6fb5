import { ErrorCodes, TqError } from '@tq/core';
import { SCRIPTS, type TransportContext } from './context.js';

export interface FetchRequest {
  consumerId: string;
  fetchId: string;
  /** In the order to serve them (already rotated). */
  queues: readonly string[];
  count: number;
}

export interface FetchedItem {
  queue: string;
  tag: string;
  /** The envelope exactly as stored. */
  raw: Buffer;
}

export interface FetchResult {
  items: FetchedItem[];
  /** When the earliest delayed message of these queues is due (ms), if any. */
  nextDue: number | undefined;
  /** Bad values moved aside and keys of the wrong type, for the error reporter. */
  problems: TqError[];
  /** `unacked` or `unacked_index` holds the wrong type: nothing can be fetched until someone fixes it. */
  unackedWrongType: boolean;
}

/** How long a fetch's record stays readable for recovery after a lost reply. */
const INFLIGHT_TTL_MS = 600_000;
/** Most due delayed messages one fetch moves per queue. */
const DELAYED_MOVE_LIMIT = 1000;
/** A fetch script that has not answered by then is on a dead connection. */
const FETCH_DEADLINE_MS = 15_000;

/** Runs the atomic fetch script (see scripts/fetch.ts) and decodes its reply. */
export async function runFetch(ctx: TransportContext, request: FetchRequest): Promise<FetchResult> {
  const { keys } = ctx;
  const steps = keys.steps;
  const scriptKeys = [keys.unacked, keys.unackedIndex, keys.inflight(request.consumerId), keys.unroutable];
  for (const queue of request.queues) {
    scriptKeys.push(keys.delayed(queue), keys.list(ctx.deadLetterQueue(queue), steps[0] ?? 0), ...keys.lists(queue));
  }
  const now = Date.now();
  const args = [
    request.count,
    (now / 1000).toFixed(3),
    now,
    request.queues.length,
    steps.length,
    request.fetchId,
    INFLIGHT_TTL_MS,
    DELAYED_MOVE_LIMIT,
    ...request.queues,
  ];
  const client = ctx.command();
  const watched = client.status === 'ready';
  let watchdog: NodeJS.Timeout | undefined;
  const reply = SCRIPTS.fetch.runBuffer(client, scriptKeys, args);
  if (watched) {
    // A half-open connection never answers: drop it so ioredis reconnects, and let the caller recover the fetch.
    watchdog = setTimeout(() => client.disconnect(true), FETCH_DEADLINE_MS);
  }
  let raw: [unknown[], unknown[], Buffer | null, Buffer[]];
  try {
    raw = (await reply) as typeof raw;
  } finally {
    if (watchdog) clearTimeout(watchdog);
  }
  const [flatItems, flatBad, nextDue, errors] = raw;
  const items: FetchedItem[] = [];
  for (let i = 0; i < flatItems.length; i += 3) {
    const queue = request.queues[Number(flatItems[i]) - 1] as string;
    items.push({ queue, tag: String(flatItems[i + 1]), raw: flatItems[i + 2] as Buffer });
  }
  const problems: TqError[] = [];
  for (let i = 0; i < flatBad.length; i += 2) {
    const queue = request.queues[Number(flatBad[i]) - 1] as string;
    const value = flatBad[i + 1] as Buffer;
    const movedTo = ctx.deadLetterQueue(queue);
    problems.push(
      new TqError(ErrorCodes.MALFORMED_MESSAGE, `a value on queue ${queue} is not a kombu envelope; moved to ${movedTo}`, {
        details: { queue, movedTo, preview: value.subarray(0, 120).toString('utf8') },
      }),
    );
  }
  let unackedWrongType = false;
  for (const error of errors) {
    const [, key = '', detail = ''] = error.toString('utf8').split('\n');
    const isUnacked = key === keys.unacked || key === keys.unackedIndex;
    unackedWrongType ||= isUnacked;
    problems.push(
      new TqError(
        ErrorCodes.WRONG_TYPE,
        isUnacked
          ? `${key} holds a ${detail}, not the type kombu uses; nothing can be fetched until it is fixed`
          : `${key} held the wrong Redis type; renamed to ${detail} so the queue works again`,
        { details: isUnacked ? { key, type: detail } : { key, movedTo: detail } },
      ),
    );
  }
  return { items, nextDue: nextDue === null ? undefined : Number(nextDue.toString()), problems, unackedWrongType };
}
