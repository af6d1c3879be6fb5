import type { AdapterRegistration, Transport } from '@tq/core';
import type { SqsTransportOptions } from './options.js';
import { SqsTransport } from './transport.js';
import { parseSqsUrl } from './url.js';

export { SqsTransport } from './transport.js';
export type { SqsTransportOptions, SqsCredentials } from './options.js';
export { parseSqsUrl } from './url.js';
export { sqsQueueName, defaultDeadLetterName } from './queue-names.js';
export { sqsCapabilities } from './capabilities.js';
export { DELIVER_AT_ATTRIBUTE } from './publisher.js';
export { DEAD_LETTER_REASON_ATTRIBUTE } from './dead-letter.js';

/** A transport from options: `createSqsTransport({ region: 'eu-west-1', queuePrefix: 'prod-' })`. */
export function createSqsTransport(options: SqsTransportOptions = {}): SqsTransport {
  return new SqsTransport(options);
}

/** A transport from an `sqs://` URL (see parseSqsUrl); `options` win over what the URL says. */
export function sqsTransport(url: string, options: Record<string, unknown> = {}): Transport {
  return new SqsTransport({ ...parseSqsUrl(url), ...(options as SqsTransportOptions) });
}

/** Registers `sqs://` with @tq/core's adapter registry: `registerAdapter(sqsAdapter)`. */
export const sqsAdapter: AdapterRegistration = { schemes: ['sqs'], transport: sqsTransport, packageName: '@tq/sqs' };
