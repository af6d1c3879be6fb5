import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { msgpackSerializer } from '@tq/serializer-msgpack';
import { describe, expect, test } from 'vitest';

/**
 * What Python makes of our bytes: Debian's Celery 5.2 / kombu 5.2 / msgpack 1.0 decode them in a child process
 * (fixtures/python_reads_tq.py), which reports each value's Python type. Skipped, loudly, without /usr/bin/python3
 * and its msgpack + celery packages (apt-get install python3-celery python3-msgpack); under CI=true that fails.
 */
const PYTHON = '/usr/bin/python3';
const script = fileURLToPath(new URL('./fixtures/python_reads_tq.py', import.meta.url));

function pythonAvailable(): boolean {
  try {
    execFileSync(PYTHON, ['-c', 'import msgpack, kombu, celery'], { stdio: 'ignore' });
    return true;
  } catch {
    const reason = `${PYTHON} with msgpack, kombu and celery is not available`;
    if (process.env.CI === 'true') throw new Error(`${reason}; under CI=true this is a failure`);
    console.warn(
      `\n!!! SKIPPING Python msgpack interop tests: ${reason} (apt-get install python3-celery python3-msgpack) !!!\n`,
    );
    return false;
  }
}

function pythonReads(mode: 'task-body' | 'result', bytes: Uint8Array): unknown {
  const out = execFileSync(PYTHON, [script, mode], { input: Buffer.from(bytes).toString('hex'), encoding: 'utf8' });
  return JSON.parse(out);
}

describe.skipIf(!pythonAvailable())('Python (kombu 5.2, msgpack 1.0) reads what tq encodes', () => {
  test('a task body: integers arrive as int (a 13-digit ms timestamp too), bytes as bytes, floats as float', () => {
    const body = [
      [1732406400123, 2 ** 40, -(2 ** 40), 7, 2n ** 63n, 2n ** 64n - 1n, -(2n ** 63n)],
      {
        raw: new Uint8Array([0, 255]),
        text: 'héllo ✓',
        ratio: 0.25,
        whole: 2,
        nothing: null,
        yes: true,
        when: new Date(Date.UTC(2024, 0, 1, 12)),
      },
      { callbacks: null, errbacks: null, chain: null, chord: null },
    ];
    expect(pythonReads('task-body', msgpackSerializer.encode(body))).toEqual([
      [
        { int: '1732406400123' },
        { int: '1099511627776' },
        { int: '-1099511627776' },
        { int: '7' },
        { int: '9223372036854775808' },
        { int: '18446744073709551615' },
        { int: '-9223372036854775808' },
      ],
      {
        dict: {
          raw: { bytes: '00ff' },
          text: { str: 'héllo ✓' },
          ratio: { float: '0.25' },
          whole: { int: '2' },
          nothing: null,
          yes: { bool: true },
          when: { str: '2024-01-01T12:00:00Z' },
        },
      },
      { dict: { callbacks: null, errbacks: null, chain: null, chord: null } },
    ]);
  });

  test('a result meta stored with result_serializer=msgpack reads back through Celery’s backend', () => {
    const meta = {
      status: 'SUCCESS',
      result: { total: 1732406400123, digest: new Uint8Array([0xde, 0xad]), items: [1, 2.5, 'x'] },
      traceback: null,
      children: [],
      date_done: '2024-01-01T12:00:00.531000',
      task_id: 'd6b9b7c2-0b8f-4a43-9c7c-0c6f1b1a2b3c',
    };
    expect(pythonReads('result', msgpackSerializer.encode(meta))).toEqual({
      dict: {
        status: { str: 'SUCCESS' },
        result: {
          dict: {
            total: { int: '1732406400123' },
            digest: { bytes: 'dead' },
            items: [{ int: '1' }, { float: '2.5' }, { str: 'x' }],
          },
        },
        traceback: null,
        children: [],
        date_done: { str: '2024-01-01T12:00:00.531000' },
        task_id: { str: 'd6b9b7c2-0b8f-4a43-9c7c-0c6f1b1a2b3c' },
      },
    });
  });
});
