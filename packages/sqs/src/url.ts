import { ErrorCodes, TqError, redactUrl } from '@tq/core';
import type { SqsTransportOptions } from './options.js';

/** `us-east-1`, `eu-central-2`, `us-gov-west-1`, `cn-north-1`, ... */
const REGION = /^[a-z]{2}(-[a-z]+)+-\d+$/;

const BOOLEAN: Record<string, boolean> = { true: true, '1': true, yes: true, false: false, '0': false, no: false };

/**
 * Parses `sqs://[key:secret@][region | host[:port]][/prefix][?option=value&...]`.
 *
 * - A host that looks like a region (`eu-west-1`) is the region. Any other host is the endpoint, as in kombu
 *   (`sqs://key:secret@127.0.0.1:9324` talks to `http://127.0.0.1:9324`; add `?secure=true` for https).
 * - Key and secret must be percent-encoded (a `/` in a secret is `%2F`). Without them, the standard AWS chain is used.
 * - The path is the queue-name prefix.
 * - Query options: `region`, `endpoint`, `queuePrefix`, `createQueues`, `visibilityTimeout` (seconds),
 *   `waitTimeSeconds`, `maxReceiveCount`, `deadLetterQueues`, `autoExtend`, `fifoGroupId`, `secure`. Unknown ones
 *   are an error.
 */
export function parseSqsUrl(url: string): SqsTransportOptions {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch (cause) {
    throw new TqError(ErrorCodes.INVALID_URL, `not a valid sqs:// URL: ${redactUrl(url)}`, { cause });
  }
  if (parsed.protocol !== 'sqs:') throw new TqError(ErrorCodes.INVALID_URL, `expected an sqs:// URL, got ${redactUrl(url)}`);
  const options: SqsTransportOptions = {};
  const query = parsed.searchParams;
  const secure = flag(query, 'secure', url) ?? false;
  const host = decodeURIComponent(parsed.hostname);
  if (host && REGION.test(host) && !parsed.port) options.region = host;
  else if (host) options.endpoint = `${secure ? 'https' : 'http'}://${parsed.host}`;
  if (parsed.username || parsed.password) {
    if (!parsed.username || !parsed.password) {
      throw new TqError(ErrorCodes.INVALID_URL, `sqs:// URL needs both an access key and a secret, or neither: ${redactUrl(url)}`);
    }
    options.credentials = { accessKeyId: decodeURIComponent(parsed.username), secretAccessKey: decodeURIComponent(parsed.password) };
  }
  const prefix = decodeURIComponent(parsed.pathname.replace(/^\/+|\/+$/g, ''));
  if (prefix) options.queuePrefix = prefix;

  for (const [key, value] of query) {
    switch (key) {
      case 'region':
        options.region = value;
        break;
      case 'endpoint':
        options.endpoint = value;
        break;
      case 'queuePrefix':
        options.queuePrefix = value;
        break;
      case 'createQueues':
        options.createQueues = flag(query, key, url);
        break;
      case 'deadLetterQueues':
        options.deadLetterQueues = flag(query, key, url);
        break;
      case 'autoExtend':
        options.autoExtend = flag(query, key, url);
        break;
      case 'visibilityTimeout':
        options.visibilityTimeoutSeconds = integer(key, value, url);
        break;
      case 'waitTimeSeconds':
        options.waitTimeSeconds = integer(key, value, url);
        break;
      case 'maxReceiveCount':
        options.maxReceiveCount = integer(key, value, url);
        break;
      case 'fifoGroupId':
        options.fifoGroupId = value;
        break;
      case 'secure':
        break;
      default:
        throw new TqError(ErrorCodes.INVALID_URL, `unknown sqs:// URL option ${key}: ${redactUrl(url)}`);
    }
  }
  return options;
}

function flag(query: URLSearchParams, key: string, url: string): boolean | undefined {
  const value = query.get(key);
  if (value === null) return undefined;
  const parsed = BOOLEAN[value.toLowerCase()];
  if (parsed === undefined) throw new TqError(ErrorCodes.INVALID_URL, `sqs:// URL option ${key} must be true or false: ${redactUrl(url)}`);
  return parsed;
}

function integer(key: string, value: string, url: string): number {
  const parsed = Number(value);
  if (!Number.isInteger(parsed)) throw new TqError(ErrorCodes.INVALID_URL, `sqs:// URL option ${key} must be an integer: ${redactUrl(url)}`);
  return parsed;
}
