import { ErrorCodes, TqError } from '@tq/core';
import { describe, expect, test } from 'vitest';
import { parseSqsUrl } from '../src/index.js';

function refusal(url: string): unknown {
  try {
    parseSqsUrl(url);
  } catch (error) {
    return error;
  }
  throw new Error(`${url} was accepted`);
}

describe('sqs:// URLs', () => {
  test('a bare sqs:// uses the AWS chain and the default region', () => {
    expect(parseSqsUrl('sqs://')).toEqual({});
  });

  test('a host shaped like a region is the region', () => {
    expect(parseSqsUrl('sqs://eu-west-1')).toEqual({ region: 'eu-west-1' });
    expect(parseSqsUrl('sqs://us-gov-west-1')).toEqual({ region: 'us-gov-west-1' });
  });

  test('credentials are percent-decoded and the path is the queue prefix', () => {
    expect(parseSqsUrl('sqs://AKIDEXAMPLE:se%2Fcr%2Bet@eu-west-1/prod-?createQueues=false')).toEqual({
      region: 'eu-west-1',
      credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'se/cr+et' },
      queuePrefix: 'prod-',
      createQueues: false,
    });
  });

  test('any other host is the endpoint, as in kombu (http unless secure=true)', () => {
    expect(parseSqsUrl('sqs://k:s@127.0.0.1:9324')).toMatchObject({ endpoint: 'http://127.0.0.1:9324' });
    expect(parseSqsUrl('sqs://localhost:4566?secure=true&region=eu-central-1')).toEqual({
      endpoint: 'https://localhost:4566',
      region: 'eu-central-1',
    });
  });

  test('query options set the endpoint and tuning', () => {
    expect(
      parseSqsUrl('sqs://?endpoint=http://sqs.local:9324&visibilityTimeout=60&waitTimeSeconds=5&maxReceiveCount=3&fifoGroupId=g&deadLetterQueues=no&autoExtend=true'),
    ).toEqual({
      endpoint: 'http://sqs.local:9324',
      visibilityTimeoutSeconds: 60,
      waitTimeSeconds: 5,
      maxReceiveCount: 3,
      fifoGroupId: 'g',
      deadLetterQueues: false,
      autoExtend: true,
    });
  });

  test('mistakes are TQ_INVALID_URL, with the secret hidden', () => {
    for (const url of ['sqs://k:s@eu-west-1?colour=blue', 'sqs://?createQueues=maybe', 'sqs://?waitTimeSeconds=soon', 'redis://x', 'sqs://key@eu-west-1']) {
      const error = refusal(url);
      expect(TqError.is(error, ErrorCodes.INVALID_URL), String(error)).toBe(true);
    }
    expect(String((refusal('sqs://AKID:topsecret@eu-west-1?colour=blue') as Error).message)).not.toContain('topsecret');
  });
});
