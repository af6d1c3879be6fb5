import { transportSuite } from '@tq/conformance';
import { afterEach, beforeEach, describe, test } from 'vitest';
import { credentials, endpoint, recordingLogger, sqsUp } from './helpers.js';
import { sqsTransport } from '../src/index.js';

const runner = { describe, test, skip: test.skip, beforeEach, afterEach };

// Short leases so the redelivery cases finish quickly; everything else is the transport's defaults.
const url = `sqs://${credentials.accessKeyId}:${credentials.secretAccessKey}@${new URL(endpoint).host}?region=us-east-1&visibilityTimeout=2`;

describe.skipIf(!sqsUp)('sqs', () => {
  transportSuite(runner, { name: 'sqs', create: () => sqsTransport(url, { logger: recordingLogger() }) });
});
