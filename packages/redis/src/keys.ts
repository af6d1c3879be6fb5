import { bucketFor } from './priority.js';

/** kombu's defaults; both must match the Python side's transport options. */
export const KOMBU_SEP = '\x06\x16';
export const KOMBU_PRIORITY_STEPS: readonly number[] = Object.freeze([0, 3, 6, 9]);

export interface KeyLayoutOptions {
  /** kombu's `global_keyprefix`: prepended verbatim to every key and channel. */
  keyPrefix: string;
  /** kombu's `sep`. */
  separator: string;
  /** kombu's `priority_steps`, ascending. */
  prioritySteps: readonly number[];
  /** Database number, part of fanout channel names (`/{db}.`). */
  db: number;
}

/**
 * Every Redis key and channel name the transport uses, in one place. kombu-owned names follow
 * `kombu/transport/redis.py`; names starting with `tq.` are tq's own (Python never reads them).
 */
export class KeyLayout {
  readonly unacked: string;
  readonly unackedIndex: string;
  readonly unackedMutex: string;
  readonly unroutable: string;

  constructor(readonly options: KeyLayoutOptions) {
    const p = options.keyPrefix;
    this.unacked = `${p}unacked`;
    this.unackedIndex = `${p}unacked_index`;
    this.unackedMutex = `${p}unacked_mutex`;
    this.unroutable = `${p}tq.unroutable`;
  }

  get steps(): readonly number[] {
    return this.options.prioritySteps;
  }

  /** The list holding one priority bucket of a queue: `<queue>` for the first step, `<queue><sep><step>` after. */
  list(queue: string, bucket: number): string {
    const p = this.options.keyPrefix;
    return bucket === this.options.prioritySteps[0] ? `${p}${queue}` : `${p}${queue}${this.options.separator}${bucket}`;
  }

  /** The list a message with this wire priority goes to. */
  listForPriority(queue: string, wirePriority: number): string {
    return this.list(queue, bucketFor(wirePriority, this.options.prioritySteps));
  }

  /** Every bucket list of a queue, highest priority (kombu: lowest number) first. */
  lists(queue: string): string[] {
    return this.options.prioritySteps.map((step) => this.list(queue, step));
  }

  /** kombu's binding table of an exchange (a SET). */
  binding(exchange: string): string {
    return `${this.options.keyPrefix}_kombu.binding.${exchange}`;
  }

  /** tq's delayed messages for a queue: ZSET scored by due time (ms), member `<bucket>:<envelope>`. */
  delayed(queue: string): string {
    return `${this.options.keyPrefix}tq.delayed.${queue}`;
  }

  /** Records the tags of a consumer's latest fetch, so a fetch whose reply was lost can be undone. */
  inflight(consumerId: string): string {
    return `${this.options.keyPrefix}tq.inflight.${consumerId}`;
  }

  /** kombu's fanout channel: `/{db}.<exchange>` or `/{db}.<exchange>/<routing key>`. */
  fanoutChannel(exchange: string, routingKey: string): string {
    const base = `${this.options.keyPrefix}/${this.options.db}.${exchange}`;
    return routingKey ? `${base}/${routingKey}` : base;
  }

  /** The glob patterns that receive everything broadcast on an exchange. */
  fanoutPatterns(exchange: string): [string, string] {
    const base = escapeGlob(`${this.options.keyPrefix}/${this.options.db}.${exchange}`);
    return [base, `${base}/*`];
  }

  /** Turns a channel name back into its exchange and routing key (null when it is not a fanout channel of ours). */
  parseFanoutChannel(channel: string): { exchange: string; routingKey: string } | null {
    const head = `${this.options.keyPrefix}/${this.options.db}.`;
    if (!channel.startsWith(head)) return null;
    const rest = channel.slice(head.length);
    const slash = rest.indexOf('/');
    return slash < 0 ? { exchange: rest, routingKey: '' } : { exchange: rest.slice(0, slash), routingKey: rest.slice(slash + 1) };
  }
}

function escapeGlob(text: string): string {
  return text.replace(/[*?[\]\\]/g, (char) => `\\${char}`);
}
