import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { encodeTaskMessage, type TransportMessage, zlibCompressor } from '@tq/core';
import { msgpackSerializer } from '@tq/serializer-msgpack';
import { describe, expect, test } from 'vitest';

/**
 * The other direction: task messages tq encodes with msgpack (plain and zlib-compressed) executed by a real Celery
 * 5.2 worker (fixtures/run_tq_message.py), which reports the Python type of every argument it was given.
 * Skipped, loudly, without /usr/bin/python3 with celery and msgpack; under CI=true that fails.
 */
const PYTHON = '/usr/bin/python3';
const script = fileURLToPath(new URL('./fixtures/run_tq_message.py', import.meta.url));

function celeryAvailable(): boolean {
  try {
    execFileSync(PYTHON, ['-c', 'import celery, msgpack'], { stdio: 'ignore' });
    return true;
  } catch {
    const reason = `${PYTHON} with celery and msgpack is not available`;
    if (process.env.CI === 'true') throw new Error(`${reason}; under CI=true this is a failure`);
    console.warn(`\n!!! SKIPPING tq -> Celery worker msgpack test: ${reason} !!!\n`);
    return false;
  }
}

/** tq's message as kombu's virtual transports store it (body base64, snake_case properties). */
function toEnvelope(message: TransportMessage) {
  const p = message.properties;
  return {
    body: Buffer.from(message.body).toString('base64'),
    'content-type': message.contentType,
    'content-encoding': message.contentEncoding,
    headers: message.headers,
    properties: {
      correlation_id: p.correlationId,
      reply_to: p.replyTo ?? '',
      delivery_mode: p.deliveryMode ?? 2,
      delivery_info: { exchange: '', routing_key: 'celery' },
      priority: p.priority ?? 0,
      body_encoding: 'base64',
      delivery_tag: randomUUID(),
    },
  };
}

describe.skipIf(!celeryAvailable())('tq msgpack task messages run by a Celery 5.2 worker', () => {
  test('plain and compressed: ints (13-digit ms timestamps, 64-bit) arrive as int, bytes as bytes', {
    timeout: 60_000,
  }, () => {
    const args = [1732406400123, 2n ** 63n, -(2 ** 40), new Uint8Array([0, 255]), 'héllo', 0.5];
    const kwargs = { when_ms: 1732406400123, data: new Uint8Array([1, 2, 3]) };
    const plainId = randomUUID();
    const zippedId = randomUUID();
    const messages = [
      encodeTaskMessage({ id: plainId, task: 'proj.types', args, kwargs }, { serializer: msgpackSerializer }),
      encodeTaskMessage(
        { id: zippedId, task: 'proj.types', args, kwargs },
        { serializer: msgpackSerializer, compressor: zlibCompressor() },
      ),
    ];
    expect(messages[1]!.headers.compression).toBe('application/x-gzip');
    const dir = mkdtempSync(join(tmpdir(), 'tq-msgpack-'));
    try {
      const input = join(dir, 'input.json');
      writeFileSync(
        input,
        JSON.stringify({ envelopes: messages.map(toEnvelope), wait_for: [plainId, zippedId], timeout: 30 }),
      );
      const outcomes = JSON.parse(execFileSync(PYTHON, [script, input], { encoding: 'utf8', timeout: 55_000 }));
      const expected = {
        state: 'SUCCESS',
        args: [
          { int: '1732406400123' },
          { int: '9223372036854775808' },
          { int: '-1099511627776' },
          { bytes: '00ff' },
          { str: 'héllo' },
          { float: '0.5' },
        ],
        kwargs: { dict: { when_ms: { int: '1732406400123' }, data: { bytes: '010203' } } },
      };
      expect(outcomes[plainId]).toEqual(expected);
      expect(outcomes[zippedId]).toEqual(expected);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
