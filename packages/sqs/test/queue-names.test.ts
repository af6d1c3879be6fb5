import { execFileSync } from 'node:child_process';
import { ErrorCodes, TqError } from '@tq/core';
import { describe, expect, test } from 'vitest';
import { defaultDeadLetterName, sqsQueueName } from '../src/index.js';

const SAMPLES = ['celery', 'tasks.high', 'a.b.c', 'weird name!', 'x:y/z@w', 'dash-and_underscore', 'orders.fifo', 'my.orders.fifo', 'celery.pidbox'];

function kombuNames(prefix: string, names: string[]): string[] | undefined {
  const script = [
    'import json, sys',
    'from kombu.transport.SQS import Channel',
    'prefix, names = json.loads(sys.argv[1])',
    'print(json.dumps([Channel.entity_name(None, prefix + n) for n in names]))',
  ].join('\n');
  try {
    return JSON.parse(execFileSync('/usr/bin/python3', ['-c', script, JSON.stringify([prefix, names])], { encoding: 'utf8' }));
  } catch {
    return undefined;
  }
}

const kombuAvailable = kombuNames('', ['x']) !== undefined;

describe('SQS queue names', () => {
  test('dots become dashes, other punctuation underscores, the .fifo suffix stays', () => {
    expect(sqsQueueName('tasks.high')).toBe('tasks-high');
    expect(sqsQueueName('odd!name')).toBe('odd_name');
    expect(sqsQueueName('x:y/z@w')).toBe('x_y_z_w');
    expect(sqsQueueName('my.orders.fifo')).toBe('my-orders.fifo');
    expect(sqsQueueName('celery', 'prod.')).toBe('prod-celery');
  });

  test.skipIf(!kombuAvailable)('match kombu 5.2 (Channel.entity_name), prefix included', () => {
    for (const prefix of ['', 'prod.', 'team-']) {
      const ours: string[] = [];
      const theirs = kombuNames(prefix, SAMPLES)!;
      for (const name of SAMPLES) {
        try {
          ours.push(sqsQueueName(name, prefix));
        } catch {
          ours.push(`<refused ${name}>`);
        }
      }
      // A name SQS itself would refuse (a space) is refused early by tq; kombu passes it on to SQS.
      theirs.forEach((name, index) => {
        if (!ours[index]!.startsWith('<refused')) expect(ours[index]).toBe(name);
        else expect(name).toMatch(/[^A-Za-z0-9_.-]/);
      });
    }
  });

  test('names SQS would refuse are TQ_INVALID_CONFIG before any request', () => {
    for (const name of ['x'.repeat(81), 'naïve', 'with space', '']) {
      let error: unknown;
      try {
        sqsQueueName(name);
      } catch (caught) {
        error = caught;
      }
      expect(TqError.is(error, ErrorCodes.INVALID_CONFIG), `${JSON.stringify(name)}: ${error}`).toBe(true);
    }
  });

  test('the default dead-letter queue is <name>.dead, before the .fifo suffix', () => {
    expect(defaultDeadLetterName('celery')).toBe('celery.dead');
    expect(defaultDeadLetterName('orders.fifo')).toBe('orders.dead.fifo');
    expect(sqsQueueName(defaultDeadLetterName('orders.fifo'))).toBe('orders-dead.fifo');
  });
});
