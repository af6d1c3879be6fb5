import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { TimeLimitExceeded } from '../../src/errors/index.js';
import { encodeException } from '../../src/protocol/index.js';

/** Checks that a Celery 5.2 client rebuilds the errors tq encodes (backend.exception_to_python). */
const PYTHON = '/usr/bin/python3';
const SCRIPT = fileURLToPath(new URL('../fixtures/celery/rebuild_exceptions.py', import.meta.url));
const hasCelery = existsSync(PYTHON) && spawnSync(PYTHON, ['-c', 'import celery'], { stdio: 'ignore' }).status === 0;
if (!hasCelery) console.warn('\n!!! SKIPPING Celery exception interop: /usr/bin/python3 has no celery module. !!!\n');

class PaymentError extends Error {
  override name = 'PaymentError';
}

describe.skipIf(!hasCelery)('Celery 5.2 rebuilds the exceptions tq encodes', () => {
  it('as real builtins, celery.exceptions classes, or synthesized Exception subclasses - never SecurityError', () => {
    const errors = [
      new TypeError('bad type'),
      Object.assign(new Error('nope'), { name: 'ValueError' }),
      new Error('plain'),
      new RangeError('out of range'),
      new PaymentError('declined'),
      new TimeLimitExceeded(30),
      Object.assign(new Error('odd'), { name: 'print' }), // a builtins function, not an exception class
      'a thrown string',
    ];
    const dir = mkdtempSync(join(tmpdir(), 'tq-celery-exc-'));
    try {
      const input = join(dir, 'input.json');
      writeFileSync(input, JSON.stringify(errors.map(encodeException)));
      const rebuilt = JSON.parse(execFileSync(PYTHON, [SCRIPT, input], { encoding: 'utf8', timeout: 60_000 }));
      expect(rebuilt).toEqual([
        { class: 'builtins.TypeError', is_exception: true, args: ['bad type'], str: 'bad type' },
        { class: 'builtins.ValueError', is_exception: true, args: ['nope'], str: 'nope' },
        { class: 'celery.exceptions.Error', is_exception: true, args: ['plain'], str: 'plain' },
        { class: 'celery.exceptions.RangeError', is_exception: true, args: ['out of range'], str: 'out of range' },
        { class: 'celery.exceptions.PaymentError', is_exception: true, args: ['declined'], str: 'declined' },
        expect.objectContaining({ class: 'billiard.exceptions.TimeLimitExceeded', is_exception: true }),
        { class: 'celery.exceptions.print', is_exception: true, args: ['odd'], str: 'odd' },
        { class: 'builtins.Exception', is_exception: true, args: ['a thrown string'], str: 'a thrown string' },
      ]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
