import type { Compressor, Serializer, TransportMessage } from '../contracts/index.js';
import { ErrorCodes, TqError } from '../errors/index.js';
import { originName } from './ids.js';
import { encodeMessageBody } from './message-body.js';
import { pythonArgsRepr, pythonRepr } from './python-repr.js';
import type { TaskMessageInit } from './task-message.js';

export interface EncodeTaskMessageOptions {
  serializer: Serializer;
  /** Compress the body and name the compression's MIME type in the `compression` header, as kombu does. */
  compressor?: Compressor | undefined;
}

/**
 * Builds a Celery protocol v2 task message, header for header what Celery 5.2's `as_task_v2` writes (plus the
 * 5.3+/5.4+ `stamped_headers`/`stamps`/`replaced_task_nesting`, which 5.2 workers ignore):
 *
 * - headers: lang `js` (Celery never reads it), task, id, shadow, eta, expires, group, group_index, retries,
 *   timelimit `[hard, soft]`, root_id (defaults to id), parent_id, argsrepr, kwargsrepr, origin
 *   (`gen<pid>@<host>`), ignore_result, then the custom `headers` merged on top (Celery lets them override).
 * - properties: correlationId = id, replyTo (`''` when none, as Celery), deliveryMode 2, priority when given,
 *   expiration (milliseconds as a string) when `expirationMs` is given.
 * - body: `[args, kwargs, {callbacks, errbacks, chain, chord}]`, serialized, then compressed if asked.
 *
 * Throws TQ_ENCODE when args/kwargs have the wrong shape or the serializer cannot encode them.
 */
export function encodeTaskMessage(init: TaskMessageInit, options: EncodeTaskMessageOptions): TransportMessage {
  if (typeof init.task !== 'string' || init.task === '') throw shapeError(init, 'task name must be a non-empty string');
  if (typeof init.id !== 'string' || init.id === '') throw shapeError(init, 'task id must be a non-empty string');
  const args = init.args ?? [];
  const kwargs = init.kwargs ?? {};
  if (!Array.isArray(args)) throw shapeError(init, 'task args must be an array');
  if (typeof kwargs !== 'object' || kwargs === null || Array.isArray(kwargs)) {
    throw shapeError(init, 'task kwargs must be a plain object');
  }
  const embed = {
    callbacks: init.callbacks ?? null,
    errbacks: init.errbacks ?? null,
    chain: init.chain ?? null,
    chord: init.chord ?? null,
  };
  let encoded: ReturnType<typeof encodeMessageBody>;
  try {
    encoded = encodeMessageBody([args, kwargs, embed], options);
  } catch (error) {
    if (!TqError.is(error)) throw error;
    throw new TqError(error.code, `${error.message} (task ${init.task})`, {
      cause: error,
      details: { ...error.details, taskId: init.id, task: init.task },
    });
  }

  const headers: Record<string, unknown> = {
    lang: 'js',
    task: init.task,
    id: init.id,
    shadow: init.shadow ?? null,
    eta: init.eta ?? null,
    expires: init.expires ?? null,
    group: init.group ?? null,
    group_index: init.groupIndex ?? null,
    retries: init.retries ?? 0,
    timelimit: init.timelimit ? [init.timelimit[0] ?? null, init.timelimit[1] ?? null] : [null, null],
    root_id: init.rootId || init.id,
    parent_id: init.parentId ?? null,
    argsrepr: init.argsrepr ?? pythonArgsRepr(args),
    kwargsrepr: init.kwargsrepr ?? pythonRepr(kwargs),
    origin: init.origin || originName(),
    ignore_result: init.ignoreResult ?? false,
    replaced_task_nesting: 0,
    stamped_headers: null,
    stamps: {},
    ...init.headers,
  };
  if (encoded.compression) headers.compression = encoded.compression;

  const properties: TransportMessage['properties'] = {
    correlationId: init.id,
    replyTo: init.replyTo ?? '',
    deliveryMode: init.deliveryMode ?? 2,
  };
  if (init.priority !== undefined) properties.priority = init.priority;
  if (init.expirationMs !== undefined) properties.expiration = String(Math.max(0, Math.trunc(init.expirationMs)));

  return {
    body: encoded.body,
    contentType: encoded.contentType,
    contentEncoding: encoded.contentEncoding,
    headers,
    properties,
  };
}

function shapeError(init: TaskMessageInit, message: string): TqError {
  return new TqError(ErrorCodes.ENCODE, `${message} (task ${init.task})`, {
    details: { taskId: init.id, task: init.task },
  });
}
