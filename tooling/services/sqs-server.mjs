#!/usr/bin/env node
/**
 * A small, faithful Amazon SQS server for tests: standard and FIFO queues over the AWS JSON 1.0 protocol that
 * @aws-sdk/client-sqs v3 speaks, and the older Query protocol (XML) that boto3 < 1.28 and kombu 5.2 speak. Written because the emulators installable here differ from SQS where tq's tests
 * look: local-aws-sqs makes a long poll asking for 10 messages wait the full WaitTimeSeconds when fewer are ready,
 * counts in-flight messages in ApproximateNumberOfMessages and miscounts ApproximateReceiveCount.
 *
 * Behaviour follows the SQS API reference: long polls return as soon as one message is ready; visibility timeouts,
 * DelaySeconds, redrive to a dead-letter queue after maxReceiveCount receives, receipt handles that go stale when a
 * message is received again (delete with a stale handle succeeds and does nothing), the 12-hour visibility cap,
 * PurgeQueue once per 60 s, size limits, batch limits, FIFO groups and 5-minute deduplication.
 * Not emulated: authentication (signatures are not checked), IAM policies, tags, KMS, message move tasks,
 * the 60 s wait before a deleted queue's name can be reused, and multi-server sampling (short polls see every
 * message, where real SQS may return none from a non-empty queue).
 *
 * Test-only extras under /__tq/: GET /__tq/health, POST /__tq/faults {action?, queue?, count, status, type,
 * queryCode?} makes the next `count` matching requests fail (throttling, 5xx), DELETE /__tq/faults clears them.
 *
 * CLI: node sqs-server.mjs [--host 127.0.0.1] [--port 9324] [--region us-east-1] [--exit-with-stdin]
 *      (--port 0 picks a free port; --exit-with-stdin stops the server when its stdin closes, i.e. its parent ends)
 * Library: const server = await startSqsServer({ host, port, region }); server.url; await server.close();
 */
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import { pathToFileURL } from 'node:url';

const ACCOUNT_ID = '000000000000';
const MAX_BATCH_ENTRIES = 10;
const MAX_VISIBILITY_SECONDS = 43_200; // 12 hours, also the cap on a message's total time in flight per receive
const DEDUP_WINDOW_MS = 5 * 60_000;
const PURGE_INTERVAL_MS = 60_000;
const MAX_REQUEST_BYTES = 8 * 1024 * 1024;

// ---------------------------------------------------------------------------------------------------------------
// Errors, shaped as SQS's JSON protocol sends them (type in the body, the old query code in x-amzn-query-error).

class SqsError extends Error {
  constructor(type, queryCode, message, status = 400, fault = 'Sender') {
    super(message);
    this.type = type;
    this.queryCode = queryCode;
    this.status = status;
    this.fault = fault;
  }
}

const fail = {
  noQueue: () =>
    new SqsError('QueueDoesNotExist', 'AWS.SimpleQueueService.NonExistentQueue', 'The specified queue does not exist.'),
  invalid: (message) => new SqsError('InvalidParameterValue', 'InvalidParameterValue', message),
  missing: (name) =>
    new SqsError('MissingParameter', 'MissingParameter', `The request must contain the parameter ${name}.`),
  badAttributeName: (name) =>
    new SqsError('InvalidAttributeName', 'InvalidAttributeName', `Unknown Attribute ${name}.`),
  badHandle: (handle) =>
    new SqsError('ReceiptHandleIsInvalid', 'ReceiptHandleIsInvalid', `The input receipt handle "${handle}" is not a valid receipt handle.`),
  notInflight: () =>
    new SqsError('MessageNotInflight', 'AWS.SimpleQueueService.MessageNotInflight', 'Message is not in flight.'),
  queueExists: (name) =>
    new SqsError('QueueNameExists', 'QueueAlreadyExists', `A queue already exists with the same name and a different value for attribute(s) of ${name}.`),
  purgeInProgress: (name) =>
    new SqsError('PurgeQueueInProgress', 'AWS.SimpleQueueService.PurgeQueueInProgress', `Only one PurgeQueue operation on ${name} is allowed every 60 seconds.`, 403),
  emptyBatch: () =>
    new SqsError('EmptyBatchRequest', 'AWS.SimpleQueueService.EmptyBatchRequest', 'There should be at least one entry in the request.'),
  tooManyEntries: (n) =>
    new SqsError('TooManyEntriesInBatchRequest', 'AWS.SimpleQueueService.TooManyEntriesInBatchRequest', `Maximum number of entries per request are 10. You have sent ${n}.`),
  idsNotDistinct: (id) =>
    new SqsError('BatchEntryIdsNotDistinct', 'AWS.SimpleQueueService.BatchEntryIdsNotDistinct', `Id ${id} repeated.`),
  badEntryId: (id) =>
    new SqsError('InvalidBatchEntryId', 'AWS.SimpleQueueService.InvalidBatchEntryId', `A batch entry id can only contain alphanumeric characters, hyphens and underscores. It can be at most 80 letters long. Got: ${id}`),
  batchTooLong: (bytes, max) =>
    new SqsError('BatchRequestTooLong', 'AWS.SimpleQueueService.BatchRequestTooLong', `Batch requests cannot be longer than ${max} bytes. You have sent ${bytes} bytes.`),
  badContents: () =>
    new SqsError('InvalidMessageContents', 'InvalidMessageContents', 'Invalid binary character in message body or attributes.'),
  unknownAction: (action) =>
    new SqsError('UnknownOperationException', 'InvalidAction', `The action ${action} is not valid for this endpoint.`),
  serialization: (message) => new SqsError('SerializationException', 'SerializationException', message),
};

// ---------------------------------------------------------------------------------------------------------------
// Validation helpers.

const QUEUE_NAME = /^[A-Za-z0-9_-]{1,80}$/;
const FIFO_QUEUE_NAME = /^[A-Za-z0-9_-]{1,75}\.fifo$/;
const BATCH_ENTRY_ID = /^[A-Za-z0-9_-]{1,80}$/;
const ATTRIBUTE_NAME = /^[A-Za-z0-9_.-]{1,256}$/;
const DEDUP_OR_GROUP_ID = /^[\x21-\x7e]{1,128}$/;
// XML 1.0 characters: what SQS accepts in a body.
const INVALID_BODY_CHAR = /[^\x09\x0a\x0d\x20-\ud7ff\ue000-\ufffd\u{10000}-\u{10ffff}]/u;

function requireString(params, name) {
  const value = params[name];
  if (value === undefined || value === null || value === '') throw fail.missing(name);
  if (typeof value !== 'string') throw fail.serialization(`${name} must be a string`);
  return value;
}

function optionalInt(params, name, min, max) {
  const raw = params[name];
  if (raw === undefined || raw === null) return undefined;
  const value = typeof raw === 'string' ? Number(raw) : raw;
  if (!Number.isInteger(value) || value < min || value > max) {
    throw fail.invalid(`Value ${raw} for parameter ${name} is invalid. Reason: must be between ${min} and ${max}.`);
  }
  return value;
}

function md5(data) {
  return createHash('md5').update(data).digest('hex');
}

// ---------------------------------------------------------------------------------------------------------------
// Queue attributes.

const SETTABLE_ATTRIBUTES = {
  DelaySeconds: { min: 0, max: 900, fallback: 0 },
  MaximumMessageSize: { min: 1024, max: 1_048_576, fallback: 262_144 },
  MessageRetentionPeriod: { min: 60, max: 1_209_600, fallback: 345_600 },
  ReceiveMessageWaitTimeSeconds: { min: 0, max: 20, fallback: 0 },
  VisibilityTimeout: { min: 0, max: MAX_VISIBILITY_SECONDS, fallback: 30 },
};
const IGNORED_ATTRIBUTES = new Set(['Policy', 'KmsMasterKeyId', 'KmsDataKeyReusePeriodSeconds', 'SqsManagedSseEnabled', 'RedriveAllowPolicy', 'DeduplicationScope', 'FifoThroughputLimit']);
const READ_ONLY_ATTRIBUTES = ['QueueArn', 'ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible', 'ApproximateNumberOfMessagesDelayed', 'CreatedTimestamp', 'LastModifiedTimestamp'];

/** Parses and checks attributes from CreateQueue / SetQueueAttributes into a normalized map of strings. */
function normalizeAttributes(server, input, { fifo, creating }) {
  const out = {};
  for (const [name, raw] of Object.entries(input ?? {})) {
    const value = String(raw);
    if (name in SETTABLE_ATTRIBUTES) {
      const { min, max } = SETTABLE_ATTRIBUTES[name];
      const n = Number(value);
      if (!Number.isInteger(n) || n < min || n > max) throw fail.invalid(`Invalid value for the parameter ${name}.`);
      out[name] = String(n);
    } else if (name === 'FifoQueue') {
      if (!creating) throw fail.invalid('Invalid value for the parameter FifoQueue. Reason: it cannot be changed.');
      if (value !== 'true' && value !== 'false') throw fail.invalid('Invalid value for the parameter FifoQueue.');
      if ((value === 'true') !== fifo) {
        throw fail.invalid('Can only include alphanumeric characters, hyphens, or underscores. 1 to 80 in length; a FIFO queue name must end with .fifo and set FifoQueue to true.');
      }
      out.FifoQueue = value;
    } else if (name === 'ContentBasedDeduplication') {
      if (!fifo) throw fail.invalid('Unknown Attribute ContentBasedDeduplication.');
      if (value !== 'true' && value !== 'false') throw fail.invalid('Invalid value for the parameter ContentBasedDeduplication.');
      out[name] = value;
    } else if (name === 'RedrivePolicy') {
      out[name] = value === '' ? '' : JSON.stringify(parseRedrivePolicy(server, value, fifo));
    } else if (IGNORED_ATTRIBUTES.has(name)) {
      out[name] = value;
    } else {
      throw fail.badAttributeName(name);
    }
  }
  return out;
}

function parseRedrivePolicy(server, value, fifo) {
  let policy;
  try {
    policy = JSON.parse(value);
  } catch {
    throw fail.invalid(`Value ${value} for parameter RedrivePolicy is invalid. Reason: Invalid value for the parameter RedrivePolicy.`);
  }
  const count = Number(policy?.maxReceiveCount);
  if (typeof policy?.deadLetterTargetArn !== 'string' || !Number.isInteger(count) || count < 1 || count > 1000) {
    throw fail.invalid(`Value ${value} for parameter RedrivePolicy is invalid. Reason: Redrive policy is not a valid JSON map with deadLetterTargetArn and maxReceiveCount (1-1000).`);
  }
  const target = server.queueByArn(policy.deadLetterTargetArn);
  if (!target) throw fail.invalid(`Value ${value} for parameter RedrivePolicy is invalid. Reason: Dead letter target does not exist.`);
  if (target.fifo !== fifo) {
    throw fail.invalid(`Value ${value} for parameter RedrivePolicy is invalid. Reason: Dead-letter queue must be same type of queue as the source.`);
  }
  return { deadLetterTargetArn: policy.deadLetterTargetArn, maxReceiveCount: count };
}

// ---------------------------------------------------------------------------------------------------------------
// Message attributes: validation, size, and the MD5 digest SQS returns (sorted, length-prefixed fields).

function checkMessageAttributes(attributes) {
  const entries = Object.entries(attributes ?? {});
  if (entries.length > 10) throw fail.invalid('Number of message attributes [' + entries.length + '] exceeds the allowed maximum [10].');
  let size = 0;
  for (const [name, attr] of entries) {
    if (!ATTRIBUTE_NAME.test(name) || /^(aws\.|amazon\.)/i.test(name) || name.startsWith('.') || name.endsWith('.') || name.includes('..')) {
      throw fail.invalid(`Message attribute name '${name}' is invalid.`);
    }
    const type = attr?.DataType;
    if (typeof type !== 'string' || !/^(String|Number|Binary)(\..+)?$/.test(type)) {
      throw fail.invalid(`The message attribute '${name}' has an invalid message attribute type, the set of supported type prefixes is Binary, Number, and String.`);
    }
    const value = type.startsWith('Binary') ? attr.BinaryValue : attr.StringValue;
    if (value === undefined || value === null || value === '') {
      throw fail.invalid(`The message attribute '${name}' must contain a non-empty message attribute value.`);
    }
    if (type.startsWith('Number') && !Number.isFinite(Number(value))) {
      throw fail.invalid(`Can't cast the value of message (user) attribute '${name}' to a number.`);
    }
    if (!type.startsWith('Binary') && INVALID_BODY_CHAR.test(value)) throw fail.badContents();
    const valueBytes = type.startsWith('Binary') ? Buffer.from(value, 'base64').length : Buffer.byteLength(value);
    size += Buffer.byteLength(name) + Buffer.byteLength(type) + valueBytes;
  }
  return size;
}

function md5OfMessageAttributes(attributes) {
  const names = Object.keys(attributes ?? {}).sort();
  if (names.length === 0) return undefined;
  const parts = [];
  const field = (bytes) => {
    const length = Buffer.alloc(4);
    length.writeUInt32BE(bytes.length);
    parts.push(length, bytes);
  };
  for (const name of names) {
    const attr = attributes[name];
    field(Buffer.from(name));
    field(Buffer.from(attr.DataType));
    const binary = attr.DataType.startsWith('Binary');
    parts.push(Buffer.from([binary ? 2 : 1]));
    field(binary ? Buffer.from(attr.BinaryValue, 'base64') : Buffer.from(attr.StringValue));
  }
  return md5(Buffer.concat(parts));
}

// ---------------------------------------------------------------------------------------------------------------
// Queues and messages.

class Queue {
  constructor(server, name, attributes) {
    this.server = server;
    this.name = name;
    this.fifo = name.endsWith('.fifo');
    this.arn = `arn:aws:sqs:${server.region}:${ACCOUNT_ID}:${name}`;
    this.attributes = {};
    for (const [key, spec] of Object.entries(SETTABLE_ATTRIBUTES)) this.attributes[key] = String(spec.fallback);
    if (this.fifo) {
      this.attributes.FifoQueue = 'true';
      this.attributes.ContentBasedDeduplication = 'false';
    }
    Object.assign(this.attributes, attributes);
    this.createdAt = Date.now();
    this.modifiedAt = this.createdAt;
    /** Insertion order is send order: receives scan it front to back. */
    this.messages = new Map();
    this.waiters = new Set();
    this.dedup = new Map();
    this.lastPurgeAt = -Infinity;
    this.sequence = 10_000_000_000_000_000n;
    this.wakeTimer = undefined;
  }

  num(name) {
    return Number(this.attributes[name]);
  }

  redrivePolicy() {
    const raw = this.attributes.RedrivePolicy;
    return raw ? JSON.parse(raw) : undefined;
  }

  counts(now) {
    let visible = 0;
    let inFlight = 0;
    let delayed = 0;
    for (const message of this.messages.values()) {
      if (message.visibleAt <= now) visible++;
      else if (message.receiveCount > 0) inFlight++;
      else delayed++;
    }
    return { visible, inFlight, delayed };
  }

  enqueue(message) {
    this.messages.set(message.id, message);
    this.wake();
  }

  /** Takes up to `max` ready messages, making them invisible for `visibilitySeconds`. */
  take(max, visibilitySeconds, now = Date.now()) {
    const taken = [];
    const retentionMs = this.num('MessageRetentionPeriod') * 1000;
    const redrive = this.redrivePolicy();
    const deadLetter = redrive ? this.server.queueByArn(redrive.deadLetterTargetArn) : undefined;
    // FIFO: nothing behind an in-flight or delayed message of the same group may be received. Messages taken by
    // this call do not block their group: one batch may carry several messages of a group, in order.
    const blockedGroups = new Set();
    for (const message of this.messages.values()) {
      if (taken.length >= max) break;
      if (now - message.sentAt > retentionMs) {
        this.messages.delete(message.id);
        continue;
      }
      if (message.visibleAt > now) {
        if (this.fifo) blockedGroups.add(message.groupId);
        continue;
      }
      if (this.fifo && blockedGroups.has(message.groupId)) continue;
      if (deadLetter && message.receiveCount >= redrive.maxReceiveCount) {
        this.messages.delete(message.id);
        deadLetter.enqueue({ ...message, receiveCount: 0, visibleAt: now, receiptHandle: undefined });
        continue;
      }
      message.receiveCount++;
      message.firstReceivedAt ??= now;
      message.receivedAt = now;
      message.visibleAt = now + visibilitySeconds * 1000;
      message.receiptHandle = makeReceiptHandle(this.name, message.id);
      taken.push(message);
    }
    return taken;
  }

  /** Something may have become receivable: answer waiting long polls, and arm a timer for the next due message. */
  wake() {
    clearTimeout(this.wakeTimer);
    this.wakeTimer = undefined;
    for (const waiter of [...this.waiters]) {
      if (!this.waiters.has(waiter)) continue;
      const taken = this.take(waiter.max, waiter.visibilitySeconds);
      if (taken.length > 0) waiter.finish(taken);
    }
    if (this.waiters.size === 0) return;
    const now = Date.now();
    let next = Infinity;
    for (const message of this.messages.values()) if (message.visibleAt > now && message.visibleAt < next) next = message.visibleAt;
    if (next !== Infinity) {
      this.wakeTimer = setTimeout(() => this.wake(), Math.min(next - now + 1, 2_147_000_000));
      this.wakeTimer.unref?.();
    }
  }

  closeWaiters() {
    for (const waiter of [...this.waiters]) waiter.finish([]);
    clearTimeout(this.wakeTimer);
  }
}

function makeReceiptHandle(queueName, messageId) {
  return Buffer.from(`${queueName} ${messageId} ${randomBytes(12).toString('hex')}`).toString('base64');
}

function parseReceiptHandle(handle) {
  if (typeof handle !== 'string' || handle.length === 0) throw fail.missing('ReceiptHandle');
  const parts = Buffer.from(handle, 'base64').toString('utf8').split(' ');
  if (parts.length !== 3 || !parts[1] || Buffer.from(parts.join(' ')).toString('base64') !== handle) {
    throw fail.badHandle(handle);
  }
  return { queueName: parts[0], messageId: parts[1] };
}

// ---------------------------------------------------------------------------------------------------------------
// The server: queue registry plus one handler per action.

class SqsServer {
  constructor({ region = 'us-east-1' } = {}) {
    this.region = region;
    this.queues = new Map();
    this.faults = [];
  }

  queueByArn(arn) {
    const name = String(arn).split(':').pop();
    const queue = this.queues.get(name);
    return queue && queue.arn === arn ? queue : undefined;
  }

  queueUrl(queue, host) {
    return `http://${host}/${ACCOUNT_ID}/${queue.name}`;
  }

  queueFromUrl(params) {
    const url = requireString(params, 'QueueUrl');
    const name = url.replace(/\/+$/, '').split('/').pop();
    const queue = name ? this.queues.get(name) : undefined;
    if (!queue) throw fail.noQueue();
    return queue;
  }

  takeFault(action, params) {
    const queueName = String(params.QueueUrl ?? params.QueueName ?? '').split('/').pop();
    const index = this.faults.findIndex((f) => (!f.action || f.action === action) && (!f.queue || f.queue === queueName));
    if (index < 0) return undefined;
    const fault = this.faults[index];
    if (--fault.count <= 0) this.faults.splice(index, 1);
    return new SqsError(fault.type, fault.queryCode ?? fault.type, fault.message ?? 'injected fault', fault.status, fault.status >= 500 ? 'Receiver' : 'Sender');
  }

  CreateQueue(params, ctx) {
    const name = requireString(params, 'QueueName');
    const fifo = name.endsWith('.fifo');
    if (!(fifo ? FIFO_QUEUE_NAME : QUEUE_NAME).test(name)) {
      throw fail.invalid('Can only include alphanumeric characters, hyphens, or underscores. 1 to 80 in length');
    }
    const requested = params.Attributes ?? {};
    if (fifo && requested.FifoQueue !== 'true' && requested.FifoQueue !== true) {
      throw fail.invalid('The name of a FIFO queue can only include alphanumeric characters, hyphens, or underscores, must end with .fifo suffix and be 1 to 80 in length. Set FifoQueue to true.');
    }
    const attributes = normalizeAttributes(this, requested, { fifo, creating: true });
    const existing = this.queues.get(name);
    if (existing) {
      for (const [key, value] of Object.entries(attributes)) {
        if (key === 'FifoQueue') continue;
        if ((existing.attributes[key] ?? '') !== value) throw fail.queueExists(name);
      }
      return { QueueUrl: this.queueUrl(existing, ctx.host) };
    }
    const queue = new Queue(this, name, attributes);
    this.queues.set(name, queue);
    return { QueueUrl: this.queueUrl(queue, ctx.host) };
  }

  GetQueueUrl(params, ctx) {
    const queue = this.queues.get(requireString(params, 'QueueName'));
    if (!queue) throw fail.noQueue();
    return { QueueUrl: this.queueUrl(queue, ctx.host) };
  }

  ListQueues(params, ctx) {
    const prefix = params.QueueNamePrefix ?? '';
    const max = optionalInt(params, 'MaxResults', 1, 1000) ?? 1000;
    const names = [...this.queues.keys()].filter((n) => n.startsWith(prefix)).sort();
    const start = params.NextToken ? Number(Buffer.from(params.NextToken, 'base64').toString()) : 0;
    const page = names.slice(start, start + max);
    const result = { QueueUrls: page.map((n) => this.queueUrl(this.queues.get(n), ctx.host)) };
    if (params.MaxResults !== undefined && start + max < names.length) {
      result.NextToken = Buffer.from(String(start + max)).toString('base64');
    }
    return result;
  }

  DeleteQueue(params) {
    const queue = this.queueFromUrl(params);
    this.queues.delete(queue.name);
    queue.closeWaiters();
    return {};
  }

  PurgeQueue(params) {
    const queue = this.queueFromUrl(params);
    const now = Date.now();
    if (now - queue.lastPurgeAt < PURGE_INTERVAL_MS) throw fail.purgeInProgress(queue.arn);
    queue.lastPurgeAt = now;
    queue.messages.clear(); // in-flight messages too, as SQS does
    return {};
  }

  GetQueueAttributes(params) {
    const queue = this.queueFromUrl(params);
    const wanted = params.AttributeNames ?? [];
    const all = wanted.includes('All');
    const now = Date.now();
    const counts = queue.counts(now);
    const available = {
      ...queue.attributes,
      QueueArn: queue.arn,
      ApproximateNumberOfMessages: String(counts.visible),
      ApproximateNumberOfMessagesNotVisible: String(counts.inFlight),
      ApproximateNumberOfMessagesDelayed: String(counts.delayed),
      CreatedTimestamp: String(Math.floor(queue.createdAt / 1000)),
      LastModifiedTimestamp: String(Math.floor(queue.modifiedAt / 1000)),
    };
    if (available.RedrivePolicy === '') delete available.RedrivePolicy;
    const Attributes = {};
    for (const name of all ? Object.keys(available) : wanted) {
      if (!(name in available)) {
        if (name in SETTABLE_ATTRIBUTES || READ_ONLY_ATTRIBUTES.includes(name) || IGNORED_ATTRIBUTES.has(name) || name === 'RedrivePolicy' || name === 'FifoQueue' || name === 'ContentBasedDeduplication') continue;
        throw fail.badAttributeName(name);
      }
      Attributes[name] = available[name];
    }
    return Object.keys(Attributes).length > 0 ? { Attributes } : {};
  }

  SetQueueAttributes(params) {
    const queue = this.queueFromUrl(params);
    const attributes = normalizeAttributes(this, params.Attributes ?? {}, { fifo: queue.fifo, creating: false });
    Object.assign(queue.attributes, attributes);
    queue.modifiedAt = Date.now();
    queue.wake();
    return {};
  }

  /** Checks one message and builds the stored record (or the duplicate it is deduplicated to). */
  prepareMessage(queue, entry) {
    const body = entry.MessageBody;
    if (typeof body !== 'string' || body.length === 0) throw fail.missing('MessageBody');
    if (INVALID_BODY_CHAR.test(body)) throw fail.badContents();
    const attributesSize = checkMessageAttributes(entry.MessageAttributes);
    const size = Buffer.byteLength(body) + attributesSize;
    const maxSize = queue.num('MaximumMessageSize');
    if (size > maxSize) {
      throw fail.invalid(`One or more parameters are invalid. Reason: Message must be shorter than ${maxSize} bytes.`);
    }
    const delay = optionalInt(entry, 'DelaySeconds', 0, 900);
    const now = Date.now();
    let groupId;
    let dedupId;
    if (queue.fifo) {
      if (delay !== undefined && delay !== 0) {
        throw fail.invalid(`Value ${delay} for parameter DelaySeconds is invalid. Reason: The request include parameter that is not valid for this queue type.`);
      }
      groupId = entry.MessageGroupId;
      if (typeof groupId !== 'string' || !DEDUP_OR_GROUP_ID.test(groupId)) {
        throw fail.missing('MessageGroupId');
      }
      dedupId = entry.MessageDeduplicationId;
      if (dedupId === undefined) {
        if (queue.attributes.ContentBasedDeduplication !== 'true') {
          throw fail.invalid('The queue should either have ContentBasedDeduplication enabled or MessageDeduplicationId provided explicitly');
        }
        dedupId = createHash('sha256').update(body).digest('hex');
      } else if (typeof dedupId !== 'string' || !DEDUP_OR_GROUP_ID.test(dedupId)) {
        throw fail.invalid(`Value ${dedupId} for parameter MessageDeduplicationId is invalid.`);
      }
      for (const [key, seen] of queue.dedup) if (now - seen.at > DEDUP_WINDOW_MS) queue.dedup.delete(key);
      const seen = queue.dedup.get(dedupId);
      // A deduplicated send succeeds with the first message's id; the MD5 is of the body sent in this request.
      if (seen) return { duplicate: { ...seen.message, md5OfBody: md5(body), md5OfMessageAttributes: md5OfMessageAttributes(entry.MessageAttributes) }, size };
    } else if (entry.MessageDeduplicationId !== undefined) {
      throw fail.invalid('The request includes a parameter that is not valid for this queue type: MessageDeduplicationId.');
    }
    const message = {
      id: randomUUID(),
      body,
      md5OfBody: md5(body),
      messageAttributes: entry.MessageAttributes && Object.keys(entry.MessageAttributes).length > 0 ? entry.MessageAttributes : undefined,
      md5OfMessageAttributes: md5OfMessageAttributes(entry.MessageAttributes),
      sentAt: now,
      visibleAt: now + (delay ?? queue.num('DelaySeconds')) * 1000,
      receiveCount: 0,
      firstReceivedAt: undefined,
      receivedAt: undefined,
      receiptHandle: undefined,
      groupId,
      dedupId,
      sequenceNumber: queue.fifo ? String(++queue.sequence) : undefined,
    };
    return { message, size };
  }

  commitMessage(queue, prepared) {
    if (prepared.duplicate) return prepared.duplicate;
    if (queue.fifo) queue.dedup.set(prepared.message.dedupId, { at: prepared.message.sentAt, message: prepared.message });
    queue.enqueue(prepared.message);
    return prepared.message;
  }

  static sendResult(message) {
    const result = { MessageId: message.id, MD5OfMessageBody: message.md5OfBody };
    if (message.md5OfMessageAttributes) result.MD5OfMessageAttributes = message.md5OfMessageAttributes;
    if (message.sequenceNumber) result.SequenceNumber = message.sequenceNumber;
    return result;
  }

  SendMessage(params) {
    const queue = this.queueFromUrl(params);
    return SqsServer.sendResult(this.commitMessage(queue, this.prepareMessage(queue, params)));
  }

  SendMessageBatch(params) {
    const queue = this.queueFromUrl(params);
    const entries = checkBatch(params.Entries);
    const prepared = entries.map((entry) => {
      try {
        return { entry, prepared: this.prepareMessage(queue, entry) };
      } catch (error) {
        if (!(error instanceof SqsError)) throw error;
        return { entry, error };
      }
    });
    const total = prepared.reduce((sum, p) => sum + (p.prepared?.size ?? 0), 0);
    const maxSize = queue.num('MaximumMessageSize');
    if (total > maxSize) throw fail.batchTooLong(total, maxSize);
    const Successful = [];
    const Failed = [];
    for (const { entry, prepared: ok, error } of prepared) {
      if (error) Failed.push(batchFailure(entry.Id, error));
      else Successful.push({ Id: entry.Id, ...SqsServer.sendResult(this.commitMessage(queue, ok)) });
    }
    return { Successful, Failed };
  }

  ReceiveMessage(params, ctx) {
    const queue = this.queueFromUrl(params);
    const max = optionalInt(params, 'MaxNumberOfMessages', 1, 10) ?? 1;
    const visibilitySeconds = optionalInt(params, 'VisibilityTimeout', 0, MAX_VISIBILITY_SECONDS) ?? queue.num('VisibilityTimeout');
    const waitSeconds = optionalInt(params, 'WaitTimeSeconds', 0, 20) ?? queue.num('ReceiveMessageWaitTimeSeconds');
    const systemNames = new Set([...(params.AttributeNames ?? []), ...(params.MessageSystemAttributeNames ?? [])]);
    const attributeNames = params.MessageAttributeNames ?? [];
    // An empty receive answers `{}`, as SQS does.
    const render = (messages) =>
      messages.length === 0 ? {} : { Messages: messages.map((m) => renderMessage(m, systemNames, attributeNames)) };
    const taken = queue.take(max, visibilitySeconds);
    if (taken.length > 0 || waitSeconds === 0) return render(taken);
    // Long poll: answered by Queue.wake() as soon as one message is ready, or empty when the wait ends.
    return new Promise((resolve) => {
      const waiter = {
        max,
        visibilitySeconds,
        finish(messages) {
          queue.waiters.delete(waiter);
          clearTimeout(waiter.timer);
          resolve(render(messages));
        },
      };
      waiter.timer = setTimeout(() => waiter.finish([]), waitSeconds * 1000);
      queue.waiters.add(waiter);
      // A client that hung up must not be handed messages it will never see.
      ctx.onAbort(() => {
        queue.waiters.delete(waiter);
        clearTimeout(waiter.timer);
      });
      queue.wake();
    });
  }

  findForHandle(queue, handle) {
    const parsed = parseReceiptHandle(handle);
    if (parsed.queueName !== queue.name) throw fail.badHandle(handle);
    return queue.messages.get(parsed.messageId);
  }

  deleteOne(queue, handle) {
    const message = this.findForHandle(queue, handle);
    // A stale handle (the message was received again since) succeeds without deleting, as SQS documents.
    if (message && message.receiptHandle === handle) {
      queue.messages.delete(message.id);
      // FIFO: deleting a group's in-flight message lets the rest of the group be received.
      if (queue.fifo) queue.wake();
    }
  }

  DeleteMessage(params) {
    const queue = this.queueFromUrl(params);
    this.deleteOne(queue, params.ReceiptHandle);
    return {};
  }

  DeleteMessageBatch(params) {
    const queue = this.queueFromUrl(params);
    return runBatch(params.Entries, (entry) => this.deleteOne(queue, entry.ReceiptHandle));
  }

  changeOne(queue, handle, rawTimeout) {
    const message = this.findForHandle(queue, handle);
    const timeout = optionalInt({ VisibilityTimeout: rawTimeout }, 'VisibilityTimeout', 0, MAX_VISIBILITY_SECONDS);
    if (timeout === undefined) throw fail.missing('VisibilityTimeout');
    if (!message || message.receiptHandle !== handle) {
      throw fail.invalid(`Value ${handle} for parameter ReceiptHandle is invalid. Reason: Message does not exist or is not available for visibility timeout change.`);
    }
    const now = Date.now();
    if (message.visibleAt <= now) throw fail.notInflight();
    if (now + timeout * 1000 - message.receivedAt > MAX_VISIBILITY_SECONDS * 1000) {
      throw fail.invalid(`Value ${timeout} for parameter VisibilityTimeout is invalid. Reason: Total VisibilityTimeout for the message is beyond the limit [43200 seconds]`);
    }
    message.visibleAt = now + timeout * 1000;
    if (timeout === 0) queue.wake();
  }

  ChangeMessageVisibility(params) {
    const queue = this.queueFromUrl(params);
    this.changeOne(queue, params.ReceiptHandle, params.VisibilityTimeout);
    return {};
  }

  ChangeMessageVisibilityBatch(params) {
    const queue = this.queueFromUrl(params);
    return runBatch(params.Entries, (entry) => this.changeOne(queue, entry.ReceiptHandle, entry.VisibilityTimeout));
  }

  ListDeadLetterSourceQueues(params, ctx) {
    const queue = this.queueFromUrl(params);
    const sources = [...this.queues.values()].filter((q) => q.redrivePolicy()?.deadLetterTargetArn === queue.arn);
    return { queueUrls: sources.map((q) => this.queueUrl(q, ctx.host)) };
  }
}

function checkBatch(entries) {
  if (!Array.isArray(entries) || entries.length === 0) throw fail.emptyBatch();
  if (entries.length > MAX_BATCH_ENTRIES) throw fail.tooManyEntries(entries.length);
  const ids = new Set();
  for (const entry of entries) {
    if (typeof entry?.Id !== 'string' || !BATCH_ENTRY_ID.test(entry.Id)) throw fail.badEntryId(entry?.Id);
    if (ids.has(entry.Id)) throw fail.idsNotDistinct(entry.Id);
    ids.add(entry.Id);
  }
  return entries;
}

function batchFailure(id, error) {
  return { Id: id, SenderFault: error.fault === 'Sender', Code: error.queryCode, Message: error.message };
}

function runBatch(entries, apply) {
  const Successful = [];
  const Failed = [];
  for (const entry of checkBatch(entries)) {
    try {
      apply(entry);
      Successful.push({ Id: entry.Id });
    } catch (error) {
      if (!(error instanceof SqsError)) throw error;
      Failed.push(batchFailure(entry.Id, error));
    }
  }
  return { Successful, Failed };
}

function renderMessage(message, systemNames, attributeNames) {
  const out = { MessageId: message.id, ReceiptHandle: message.receiptHandle, MD5OfBody: message.md5OfBody, Body: message.body };
  const all = systemNames.has('All');
  const system = {
    SenderId: ACCOUNT_ID,
    SentTimestamp: String(message.sentAt),
    ApproximateReceiveCount: String(message.receiveCount),
    ApproximateFirstReceiveTimestamp: String(message.firstReceivedAt),
    ...(message.groupId !== undefined ? { MessageGroupId: message.groupId } : {}),
    ...(message.dedupId !== undefined ? { MessageDeduplicationId: message.dedupId } : {}),
    ...(message.sequenceNumber !== undefined ? { SequenceNumber: message.sequenceNumber } : {}),
  };
  const attributes = {};
  for (const [name, value] of Object.entries(system)) if (all || systemNames.has(name)) attributes[name] = value;
  if (Object.keys(attributes).length > 0) out.Attributes = attributes;
  if (message.messageAttributes && attributeNames.length > 0) {
    const selected = {};
    for (const [name, value] of Object.entries(message.messageAttributes)) {
      const wanted = attributeNames.some((p) => p === 'All' || p === '.*' || p === name || (p.endsWith('.*') && name.startsWith(p.slice(0, -1))));
      if (wanted) selected[name] = value;
    }
    if (Object.keys(selected).length > 0) {
      out.MessageAttributes = selected;
      out.MD5OfMessageAttributes = md5OfMessageAttributes(selected);
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------------------
// The older Query protocol (form-encoded parameters, XML answers), which boto3 before 1.28 and kombu's async SQS
// client speak, so Python Celery can share queues with tq on this server.

const QUERY_BATCH_PREFIX = {
  SendMessageBatch: 'SendMessageBatchRequestEntry',
  DeleteMessageBatch: 'DeleteMessageBatchRequestEntry',
  ChangeMessageVisibilityBatch: 'ChangeMessageVisibilityBatchRequestEntry',
};

/** `MessageAttribute.1.Name=a&MessageAttribute.1.Value.DataType=String...` under `prefix` into the JSON shape. */
function queryMessageAttributes(flat, prefix) {
  const out = {};
  for (let i = 1; flat.has(`${prefix}${i}.Name`); i++) {
    const value = { DataType: flat.get(`${prefix}${i}.Value.DataType`) };
    const string = flat.get(`${prefix}${i}.Value.StringValue`);
    const binary = flat.get(`${prefix}${i}.Value.BinaryValue`);
    if (string !== undefined) value.StringValue = string;
    if (binary !== undefined) value.BinaryValue = binary;
    out[flat.get(`${prefix}${i}.Name`)] = value;
  }
  return Object.keys(out).length > 0 ? out : undefined;
}

function queryList(flat, prefix) {
  const out = [];
  for (let i = 1; flat.has(`${prefix}.${i}`); i++) out.push(flat.get(`${prefix}.${i}`));
  return out.length > 0 ? out : undefined;
}

/** Turns Query parameters into the JSON protocol's request shape, so one set of handlers serves both. */
function queryToParams(action, flat, path) {
  const params = {};
  for (const [key, value] of flat) if (!key.includes('.')) params[key] = value;
  delete params.Action;
  delete params.Version;
  // kombu's async client names the queue by the request path instead of a QueueUrl parameter.
  if (params.QueueUrl === undefined && /^\/[^/]+\/[^/]+$/.test(path)) params.QueueUrl = path;
  params.AttributeNames = queryList(flat, 'AttributeName');
  params.MessageAttributeNames = queryList(flat, 'MessageAttributeName');
  params.MessageSystemAttributeNames = queryList(flat, 'MessageSystemAttributeName');
  const attributes = {};
  for (let i = 1; flat.has(`Attribute.${i}.Name`); i++) attributes[flat.get(`Attribute.${i}.Name`)] = flat.get(`Attribute.${i}.Value`);
  if (Object.keys(attributes).length > 0) params.Attributes = attributes;
  params.MessageAttributes = queryMessageAttributes(flat, 'MessageAttribute.');
  const batch = QUERY_BATCH_PREFIX[action];
  if (batch) {
    params.Entries = [];
    for (let i = 1; flat.has(`${batch}.${i}.Id`); i++) {
      const entry = {};
      for (const [key, value] of flat) {
        const rest = key.startsWith(`${batch}.${i}.`) ? key.slice(`${batch}.${i}.`.length) : undefined;
        if (rest && !rest.includes('.')) entry[key.slice(`${batch}.${i}.`.length)] = value;
      }
      entry.MessageAttributes = queryMessageAttributes(flat, `${batch}.${i}.MessageAttribute.`);
      params.Entries.push(entry);
    }
  }
  for (const key of Object.keys(params)) if (params[key] === undefined) delete params[key];
  return params;
}

function xmlEscape(value) {
  return String(value).replace(/[&<>"'\r]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;', '\r': '&#xD;' })[c]);
}

function xmlAttributes(tag, map) {
  return Object.entries(map ?? {}).map(([name, value]) => `<${tag}><Name>${xmlEscape(name)}</Name><Value>${xmlEscape(value)}</Value></${tag}>`).join('');
}

function xmlMessageAttributes(map) {
  return Object.entries(map ?? {})
    .map(([name, v]) => {
      const value = v.BinaryValue !== undefined ? `<BinaryValue>${xmlEscape(v.BinaryValue)}</BinaryValue>` : `<StringValue>${xmlEscape(v.StringValue)}</StringValue>`;
      return `<MessageAttribute><Name>${xmlEscape(name)}</Name><Value>${value}<DataType>${xmlEscape(v.DataType)}</DataType></Value></MessageAttribute>`;
    })
    .join('');
}

function xmlFields(object) {
  let xml = '';
  for (const [key, value] of Object.entries(object)) {
    if (value === undefined || value === null) continue;
    if (key === 'Attributes') xml += xmlAttributes('Attribute', value);
    else if (key === 'MessageAttributes') xml += xmlMessageAttributes(value);
    else if (typeof value !== 'object') xml += `<${key}>${xmlEscape(value)}</${key}>`;
  }
  return xml;
}

function toXml(action, result) {
  let body = '';
  for (const url of result.QueueUrls ?? result.queueUrls ?? []) body += `<QueueUrl>${xmlEscape(url)}</QueueUrl>`;
  for (const message of result.Messages ?? []) body += `<Message>${xmlFields(message)}</Message>`;
  for (const entry of result.Successful ?? []) body += `<${action}ResultEntry>${xmlFields(entry)}</${action}ResultEntry>`;
  for (const entry of result.Failed ?? []) body += `<BatchResultErrorEntry>${xmlFields(entry)}</BatchResultErrorEntry>`;
  body += xmlFields(result);
  const ns = 'http://queue.amazonaws.com/doc/2012-11-05/';
  return `<?xml version="1.0"?><${action}Response xmlns="${ns}"><${action}Result>${body}</${action}Result><ResponseMetadata><RequestId>${randomUUID()}</RequestId></ResponseMetadata></${action}Response>`;
}

function sendXml(res, status, xml) {
  if (res.writableEnded || res.destroyed) return;
  res.writeHead(status, { 'content-type': 'text/xml', 'content-length': Buffer.byteLength(xml), 'x-amzn-requestid': randomUUID() });
  res.end(xml);
}

function sendXmlError(res, error) {
  sendXml(
    res,
    error.status,
    `<?xml version="1.0"?><ErrorResponse xmlns="http://queue.amazonaws.com/doc/2012-11-05/"><Error><Type>${error.fault}</Type><Code>${xmlEscape(error.queryCode)}</Code><Message>${xmlEscape(error.message)}</Message><Detail/></Error><RequestId>${randomUUID()}</RequestId></ErrorResponse>`,
  );
}

// ---------------------------------------------------------------------------------------------------------------
// HTTP.

const ACTIONS = new Set([
  'CreateQueue', 'GetQueueUrl', 'ListQueues', 'DeleteQueue', 'PurgeQueue', 'GetQueueAttributes', 'SetQueueAttributes',
  'SendMessage', 'SendMessageBatch', 'ReceiveMessage', 'DeleteMessage', 'DeleteMessageBatch', 'ChangeMessageVisibility',
  'ChangeMessageVisibilityBatch', 'ListDeadLetterSourceQueues',
]);

function send(res, status, payload, extraHeaders = {}) {
  if (res.writableEnded || res.destroyed) return;
  const body = JSON.stringify(payload);
  res.writeHead(status, {
    'content-type': 'application/x-amz-json-1.0',
    'content-length': Buffer.byteLength(body),
    'x-amzn-requestid': randomUUID(),
    ...extraHeaders,
  });
  res.end(body);
}

function sendError(res, error) {
  send(res, error.status, { __type: `com.amazonaws.sqs#${error.type}`, message: error.message }, {
    'x-amzn-query-error': `${error.queryCode};${error.fault}`,
  });
}

async function readBody(req) {
  const chunks = [];
  let size = 0;
  for await (const chunk of req) {
    size += chunk.length;
    if (size > MAX_REQUEST_BYTES) throw fail.serialization('request too large');
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

async function handleAdmin(server, req, res, path) {
  if (path === '/__tq/health') return send(res, 200, { ok: true, queues: server.queues.size });
  if (path === '/__tq/faults' && req.method === 'DELETE') {
    server.faults = [];
    return send(res, 200, { ok: true });
  }
  if (path === '/__tq/faults' && req.method === 'POST') {
    const fault = JSON.parse((await readBody(req)) || '{}');
    server.faults.push({ count: 1, status: 500, type: 'InternalError', ...fault });
    return send(res, 200, { ok: true });
  }
  return send(res, 404, { message: 'not found' });
}

/** Reads the action and its parameters from either protocol. */
async function parseRequest(req, url) {
  const target = String(req.headers['x-amz-target'] ?? '');
  if (target) {
    if (req.method !== 'POST' || !target.startsWith('AmazonSQS.')) throw fail.unknownAction(target);
    const action = target.slice('AmazonSQS.'.length);
    if (!ACTIONS.has(action)) throw fail.unknownAction(action);
    let params;
    try {
      const text = await readBody(req);
      params = text ? JSON.parse(text) : {};
    } catch (error) {
      throw error instanceof SqsError ? error : fail.serialization('Request body is not valid JSON.');
    }
    if (typeof params !== 'object' || params === null || Array.isArray(params)) throw fail.serialization('Request body must be a JSON object.');
    return { protocol: 'json', action, params };
  }
  const flat = new Map(url.searchParams);
  if (req.method === 'POST') for (const [key, value] of new URLSearchParams(await readBody(req))) flat.set(key, value);
  const action = flat.get('Action');
  if (!action || !ACTIONS.has(action)) throw fail.unknownAction(action ?? `${req.method} ${url.pathname}`);
  return { protocol: 'query', action, params: queryToParams(action, flat, url.pathname) };
}

async function handle(server, req, res) {
  const url = new URL(req.url ?? '/', 'http://x');
  if (url.pathname.startsWith('/__tq/')) return handleAdmin(server, req, res, url.pathname);
  let protocol = req.headers['x-amz-target'] ? 'json' : 'query';
  try {
    const request = await parseRequest(req, url);
    protocol = request.protocol;
    const { action, params } = request;
    const fault = server.takeFault(action, params);
    if (fault) throw fault;
    const abortHandlers = [];
    res.on('close', () => {
      if (!res.writableFinished) for (const handler of abortHandlers) handler();
    });
    const ctx = { host: req.headers.host ?? '127.0.0.1', onAbort: (handler) => abortHandlers.push(handler) };
    const result = await server[action](params, ctx);
    if (protocol === 'json') send(res, 200, result);
    else sendXml(res, 200, toXml(action, result));
  } catch (error) {
    const sqsError =
      error instanceof SqsError
        ? error
        : new SqsError('InternalError', 'InternalError', 'We encountered an internal error. Please try again.', 500, 'Receiver');
    if (!(error instanceof SqsError)) console.error('sqs-server: internal error', error);
    if (protocol === 'json') sendError(res, sqsError);
    else sendXmlError(res, sqsError);
  }
}

/** Starts a server; resolves once it listens. `port: 0` picks a free port (read it from `.port` / `.url`). */
export async function startSqsServer({ host = '127.0.0.1', port = 9324, region = 'us-east-1' } = {}) {
  const state = new SqsServer({ region });
  const http = createServer((req, res) => {
    handle(state, req, res).catch((error) => {
      console.error('sqs-server: request failed', error);
      if (!res.headersSent) res.destroy();
    });
  });
  http.keepAliveTimeout = 30_000;
  await new Promise((resolve, reject) => {
    http.once('error', reject);
    http.listen(port, host, () => {
      http.off('error', reject);
      resolve();
    });
  });
  const actualPort = http.address().port;
  return {
    host,
    port: actualPort,
    url: `http://${host}:${actualPort}`,
    state,
    async close() {
      for (const queue of state.queues.values()) queue.closeWaiters();
      await new Promise((resolve) => {
        http.close(() => resolve());
        http.closeAllConnections();
      });
    },
  };
}

function parseArgs(argv) {
  const options = {};
  for (let i = 0; i < argv.length; i++) {
    const [flag, inline] = argv[i].split('=', 2);
    const value = inline ?? argv[++i];
    if (flag === '--host') options.host = value;
    else if (flag === '--port') options.port = Number(value);
    else if (flag === '--region') options.region = value;
    else if (flag === '--exit-with-stdin') {
      options.exitWithStdin = true;
      if (inline === undefined) i--; // a flag without a value
    } else {
      console.error(`sqs-server: unknown option ${argv[i]}\nusage: sqs-server.mjs [--host 127.0.0.1] [--port 9324] [--region us-east-1] [--exit-with-stdin]`);
      process.exit(2);
    }
  }
  return options;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const options = parseArgs(process.argv.slice(2));
  const server = await startSqsServer(options);
  console.log(`sqs-server: listening on ${server.url} (pid ${process.pid})`);
  const stop = async () => {
    await server.close();
    process.exit(0);
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  // Started by a test run: when that process goes away (even killed), its end of our stdin closes; go with it.
  if (options.exitWithStdin) {
    process.stdin.on('end', stop);
    process.stdin.on('error', stop);
    process.stdin.resume();
  }
}
