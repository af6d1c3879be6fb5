/**
 * A task message decoded from Celery's protocol v2 (or v1, converted), independent of the wire. Names follow
 * tq's camelCase; `headers` keeps every header as received, including custom ones.
 */

/** Celery's signature dict, as it travels in `embed.callbacks/errbacks/chain/chord`. Extra keys are allowed. */
export interface SignatureDict {
  task: string;
  args: unknown[];
  kwargs: Record<string, unknown>;
  options: Record<string, unknown>;
  subtask_type: 'chain' | 'group' | 'chord' | null;
  immutable: boolean;
  chord_size?: number | null;
  [extra: string]: unknown;
}

export interface TaskMessage {
  /** Which protocol the message came in as. */
  protocol: 1 | 2;
  id: string;
  task: string;
  args: unknown[];
  kwargs: Record<string, unknown>;
  rootId: string;
  parentId: string | null;
  group: string | null;
  groupIndex: number | null;
  /** ISO-8601; not before this time. */
  eta: string | null;
  /** ISO-8601; revoke if received or executed after this time. */
  expires: string | null;
  retries: number;
  /** [hard, soft] in seconds (Celery's order on the wire). */
  timelimit: [number | null, number | null];
  shadow: string | null;
  origin: string | null;
  /** undefined: use the task's default. */
  ignoreResult: boolean | undefined;
  argsrepr: string | null;
  kwargsrepr: string | null;
  callbacks: SignatureDict[] | null;
  errbacks: SignatureDict[] | null;
  /** Remaining chain, reversed: the next task is the last element. */
  chain: SignatureDict[] | null;
  chord: SignatureDict | null;
  /** Every header as received (custom headers included). */
  headers: Record<string, unknown>;
  correlationId: string;
  replyTo: string | null;
  priority: number | undefined;
  deliveryMode: 1 | 2 | undefined;
  contentType: string;
  contentEncoding: string;
}

/** What a producer supplies to build a message; everything but `id` and `task` has a default. */
export interface TaskMessageInit {
  id: string;
  task: string;
  args?: unknown[];
  kwargs?: Record<string, unknown>;
  rootId?: string;
  parentId?: string | null;
  group?: string | null;
  groupIndex?: number | null;
  eta?: string | null;
  expires?: string | null;
  retries?: number;
  timelimit?: [number | null, number | null];
  shadow?: string | null;
  origin?: string;
  ignoreResult?: boolean;
  /** Display forms of args/kwargs for logs and events (default: a Python-like repr). Override to hide secrets. */
  argsrepr?: string;
  kwargsrepr?: string;
  callbacks?: SignatureDict[] | null;
  errbacks?: SignatureDict[] | null;
  chain?: SignatureDict[] | null;
  chord?: SignatureDict | null;
  /** Custom headers, merged into the top level of the headers (Celery's `headers=`). */
  headers?: Record<string, unknown>;
  replyTo?: string;
  priority?: number;
  deliveryMode?: 1 | 2;
  /** Milliseconds until the broker may drop it (AMQP `expiration`). */
  expirationMs?: number;
}
