import type { ApplyOptions } from '../app/task-options.js';
import type { SignatureDict } from '../protocol/task-message.js';

/**
 * A signature's options exactly as Celery keeps them in the dict form (`options` of a signature dict): snake_case
 * keys (`task_id`, `group_id`, `link_error`, `routing_key`...), seconds, ISO dates. Keys tq does not know are kept
 * and forwarded untouched, so a Python worker still sees them.
 */
export type CeleryOptions = Record<string, unknown>;

/** Options a signature can carry (`.set()`): the call options, minus what only makes sense for one call. */
export type SignatureOptions = Omit<ApplyOptions, 'signal' | 'retry' | 'retryPolicy'>;

/** What applies to one publish and never goes into a dict. */
export interface PublishControls {
  signal?: AbortSignal;
  retry?: boolean;
  retryPolicy?: ApplyOptions['retryPolicy'];
}

const TO_CELERY: Record<string, string> = {
  taskId: 'task_id',
  routingKey: 'routing_key',
  timeLimit: 'time_limit',
  softTimeLimit: 'soft_time_limit',
  ignoreResult: 'ignore_result',
  parentId: 'parent_id',
  rootId: 'root_id',
  groupId: 'group_id',
  groupIndex: 'group_index',
  linkError: 'link_error',
  replyTo: 'reply_to',
};

const RUNTIME_ONLY = new Set(['signal', 'retry', 'retryPolicy']);

/** tq's camelCase call options → Celery's option keys; dates become ISO strings, signatures become dicts. */
export function toCeleryOptions(options: SignatureOptions | ApplyOptions | undefined): CeleryOptions {
  const out: CeleryOptions = {};
  for (const [key, value] of Object.entries(options ?? {})) {
    if (value === undefined || RUNTIME_ONLY.has(key)) continue;
    out[TO_CELERY[key] ?? key] = toWireValue(key, value);
  }
  return out;
}

export function controlsOf(options: ApplyOptions | undefined): PublishControls {
  if (!options) return {};
  return { signal: options.signal, retry: options.retry, retryPolicy: options.retryPolicy };
}

function toWireValue(key: string, value: unknown): unknown {
  if (value instanceof Date) return value.toISOString();
  if (key === 'link' || key === 'linkError') return signatureList(value);
  if (key === 'chord') return asDict(value);
  if (key === 'chain' && Array.isArray(value)) return value.map(asDict);
  return value;
}

/** A signature-ish value (node with toDict, or a dict) as a dict. */
export function asDict(value: unknown): SignatureDict {
  const node = value as { toDict?: () => SignatureDict };
  return typeof node?.toDict === 'function' ? node.toDict() : (value as SignatureDict);
}

/** Celery's link/link_error: one signature or a list; always a list of dicts here. */
export function signatureList(value: unknown): SignatureDict[] {
  if (value === undefined || value === null) return [];
  return (Array.isArray(value) ? value : [value]).map(asDict);
}

/**
 * Celery option keys → the ApplyOptions `App.publishTask` takes. Values of the wrong type (a dict from the wire
 * may hold anything) are ignored rather than sent.
 */
export function toApplyOptions(options: CeleryOptions, controls: PublishControls = {}): ApplyOptions {
  const str = (key: string) => (typeof options[key] === 'string' ? (options[key] as string) : undefined);
  const num = (key: string) => (typeof options[key] === 'number' && Number.isFinite(options[key]) ? (options[key] as number) : undefined);
  const bool = (key: string) => (typeof options[key] === 'boolean' ? (options[key] as boolean) : undefined);
  const expires = options.expires;
  const headers = options.headers;
  const links = signatureList(options.link);
  const errbacks = signatureList(options.link_error);
  const applied: ApplyOptions = {
    taskId: str('task_id'),
    countdown: num('countdown'),
    eta: str('eta'),
    expires: typeof expires === 'number' || typeof expires === 'string' ? expires : undefined,
    priority: num('priority'),
    queue: str('queue'),
    routingKey: str('routing_key'),
    exchange: str('exchange'),
    headers: headers && typeof headers === 'object' && !Array.isArray(headers) ? (headers as Record<string, unknown>) : undefined,
    timeLimit: num('time_limit'),
    softTimeLimit: num('soft_time_limit'),
    ignoreResult: bool('ignore_result'),
    serializer: str('serializer'),
    compression: str('compression'),
    shadow: str('shadow'),
    retries: num('retries'),
    parentId: str('parent_id'),
    rootId: str('root_id'),
    groupId: str('group_id'),
    groupIndex: num('group_index'),
    replyTo: str('reply_to'),
    link: links.length ? links : undefined,
    linkError: errbacks.length ? errbacks : undefined,
    chain: Array.isArray(options.chain) && options.chain.length ? options.chain : undefined,
    chord: options.chord && typeof options.chord === 'object' ? options.chord : undefined,
    ...controls,
  };
  for (const key of Object.keys(applied) as (keyof ApplyOptions)[]) if (applied[key] === undefined) delete applied[key];
  return applied;
}

/**
 * Celery's `_merge` for options: the call's options win, except `group_id`, which a signature keeps once set (so
 * a frozen chord member cannot be moved to another group). `null`/`undefined` call options are dropped, as
 * Celery's `apply_async` drops `None`.
 */
export function mergeOptions(own: CeleryOptions, overrides: CeleryOptions): CeleryOptions {
  const merged = { ...own };
  for (const [key, value] of Object.entries(overrides)) {
    if (value === undefined || value === null) continue;
    if (key === 'group_id' && own.group_id !== undefined && own.group_id !== null) continue;
    merged[key] = value;
  }
  return merged;
}

/** A deep copy of options (dicts and lists only), so clones never share mutable state. */
export function copyOptions(options: CeleryOptions): CeleryOptions {
  return structuredClone(options);
}
