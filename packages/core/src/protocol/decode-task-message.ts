import type { MessageProperties, TransportMessage } from '../contracts/index.js';
import { ErrorCodes, TqError } from '../errors/index.js';
import { type DecodeBodyOptions, decodeMessageBody } from './message-body.js';
import { pythonArgsRepr, pythonRepr } from './python-repr.js';
import { isRecord, TaskFields } from './task-fields.js';
import type { TaskMessage } from './task-message.js';

export type DecodeTaskMessageOptions = DecodeBodyOptions;

/**
 * Decodes a Celery task message in any of the three forms a Celery 5 worker accepts
 * (celery/worker/consumer/consumer.py `on_task_received`, celery/worker/strategy.py):
 *
 * - protocol 2: a `task` header; body `[args, kwargs, embed?]`.
 * - hybrid: a `task` header but a protocol 1 dict body (with `args`); body fields are defaults that the headers
 *   override. Reported as `protocol: 1` because the body, chain-less and with `utc`, follows protocol 1.
 * - protocol 1: no `task` header; everything in the body dict (`taskset` is the old name of `group`).
 *
 * Errors (TqError, one-line message, task id in `details.taskId` when known): TQ_CONTENT_TYPE_REFUSED,
 * TQ_UNKNOWN_CONTENT_TYPE, TQ_DECODE (see decodeMessageBody), TQ_MALFORMED_MESSAGE (missing/invalid task or
 * id, a field of the wrong type, a body that is not `[list, object, object?]`).
 */
export function decodeTaskMessage(message: TransportMessage, options: DecodeTaskMessageOptions): TaskMessage {
  const headers = isRecord(message.headers) ? message.headers : {};
  const details: Record<string, unknown> = {};
  if (typeof headers.id === 'string') details.taskId = headers.id;
  if (typeof headers.task === 'string') details.task = headers.task;

  const body = decodeMessageBody(message, options, details);

  if (headers.task !== undefined && headers.task !== null) {
    if (Array.isArray(body)) return fromProtocol2(message, headers, body, details);
    if (isRecord(body) && 'args' in body) return fromHybrid(message, headers, body, details);
    throw malformed('protocol 2 task message body must be [args, kwargs, embed]', details);
  }
  if (isRecord(body) && 'task' in body) {
    if (typeof body.id === 'string') details.taskId = body.id;
    return fromProtocol1(message, headers, body, details);
  }
  throw malformed('not a Celery task message: no task header and no protocol 1 body', details);
}

function fromProtocol2(
  message: TransportMessage,
  headers: Record<string, unknown>,
  body: unknown[],
  details: Record<string, unknown>,
): TaskMessage {
  const [args, kwargs, embed] = body;
  if (body.length < 2 || body.length > 3 || !Array.isArray(args) || !isRecord(kwargs)) {
    throw malformed('protocol 2 task message body must be [args, kwargs, embed]', details);
  }
  if (embed !== undefined && embed !== null && !isRecord(embed)) {
    throw malformed('protocol 2 task message embed (body[2]) must be an object', details);
  }
  return build(2, message, headers, new TaskFields(headers, details), args, kwargs, embed ?? {});
}

function fromHybrid(
  message: TransportMessage,
  headers: Record<string, unknown>,
  body: Record<string, unknown>,
  details: Record<string, unknown>,
): TaskMessage {
  const fields = { ...pickHybridFields(body), ...headers };
  const { args, kwargs } = protocol1Arguments(body, details);
  return build(1, message, headers, new TaskFields(fields, details), args, kwargs, { ...body, chain: null });
}

function fromProtocol1(
  message: TransportMessage,
  headers: Record<string, unknown>,
  body: Record<string, unknown>,
  details: Record<string, unknown>,
): TaskMessage {
  const fields = { ...body, group: body.taskset ?? body.group };
  const { args, kwargs } = protocol1Arguments(body, details);
  return build(1, message, headers, new TaskFields(fields, details), args, kwargs, { ...body, chain: null });
}

// The body fields Celery's hybrid_to_proto2 copies into headers before applying the real headers.
const HYBRID_FIELDS = [
  'lang',
  'task',
  'id',
  'root_id',
  'parent_id',
  'group',
  'meth',
  'shadow',
  'eta',
  'expires',
  'retries',
  'timelimit',
  'argsrepr',
  'kwargsrepr',
  'origin',
] as const; // prettier-ignore

function pickHybridFields(body: Record<string, unknown>): Record<string, unknown> {
  const picked: Record<string, unknown> = {};
  for (const name of HYBRID_FIELDS) if (name in body) picked[name] = body[name];
  return picked;
}

function protocol1Arguments(body: Record<string, unknown>, details: Record<string, unknown>) {
  const args = body.args ?? [];
  const kwargs = body.kwargs ?? {};
  if (!Array.isArray(args)) throw malformed('protocol 1 task message args must be a list', details);
  if (!isRecord(kwargs)) throw malformed('protocol 1 task message kwargs must be a mapping', details);
  return { args, kwargs };
}

function build(
  protocol: 1 | 2,
  message: TransportMessage,
  headers: Record<string, unknown>,
  fields: TaskFields,
  args: unknown[],
  kwargs: Record<string, unknown>,
  embed: Record<string, unknown>,
): TaskMessage {
  const id = fields.requiredString('id');
  const task = fields.requiredString('task');
  const embedFields = new TaskFields(embed, { taskId: id, task });
  const properties: MessageProperties = isRecord(message.properties) ? message.properties : {};
  const priority = properties.priority ?? properties.deliveryInfo?.priority;
  return {
    protocol,
    id,
    task,
    args,
    kwargs,
    rootId: fields.string('root_id') || id,
    parentId: fields.string('parent_id'),
    group: fields.string('group'),
    groupIndex: fields.integer('group_index'),
    eta: fields.isoDate('eta'),
    expires: fields.isoDate('expires'),
    retries: fields.integer('retries') ?? 0,
    timelimit: fields.timelimit('timelimit'),
    shadow: fields.string('shadow'),
    origin: fields.string('origin'),
    ignoreResult: fields.boolean('ignore_result'),
    // Celery computes the reprs of protocol 1 messages on receipt (proto1_to_proto2).
    argsrepr: fields.string('argsrepr') ?? (protocol === 1 ? pythonArgsRepr(args) : null),
    kwargsrepr: fields.string('kwargsrepr') ?? (protocol === 1 ? pythonRepr(kwargs) : null),
    callbacks: embedFields.signatures('callbacks'),
    errbacks: embedFields.signatures('errbacks'),
    chain: embedFields.signatures('chain'),
    chord: embedFields.signature('chord'),
    headers,
    correlationId:
      typeof properties.correlationId === 'string' && properties.correlationId ? properties.correlationId : id,
    replyTo: typeof properties.replyTo === 'string' && properties.replyTo !== '' ? properties.replyTo : null,
    priority: typeof priority === 'number' ? priority : undefined,
    deliveryMode: properties.deliveryMode === 1 || properties.deliveryMode === 2 ? properties.deliveryMode : undefined,
    contentType: message.contentType,
    contentEncoding: message.contentEncoding,
  };
}

function malformed(message: string, details: Record<string, unknown>): TqError {
  return new TqError(ErrorCodes.MALFORMED_MESSAGE, message, { details: { ...details } });
}
