import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { yamlSerializer } from '@tq/serializer-yaml';
import { describe, expect, test } from 'vitest';

/**
 * What Python makes of our YAML: Debian's kombu 5.2 + PyYAML 6 decode it in a child process (fixtures/
 * python_reads_tq.py), which reports each value's Python type. Skipped, loudly, without /usr/bin/python3 and its
 * yaml + kombu packages (apt-get install python3-celery python3-yaml); under CI=true that fails.
 */
const PYTHON = '/usr/bin/python3';
const script = fileURLToPath(new URL('./fixtures/python_reads_tq.py', import.meta.url));

function pythonAvailable(): boolean {
  try {
    execFileSync(PYTHON, ['-c', 'import yaml, kombu'], { stdio: 'ignore' });
    return true;
  } catch {
    const reason = `${PYTHON} with yaml and kombu is not available`;
    if (process.env.CI === 'true') throw new Error(`${reason}; under CI=true this is a failure`);
    console.warn(
      `\n!!! SKIPPING Python YAML interop tests: ${reason} (apt-get install python3-celery python3-yaml) !!!\n`,
    );
    return false;
  }
}

const pythonReads = (bytes: Uint8Array): unknown =>
  JSON.parse(execFileSync(PYTHON, [script], { input: Buffer.from(bytes).toString('hex'), encoding: 'utf8' }));

describe.skipIf(!pythonAvailable())('Python (kombu 5.2, PyYAML safe_load) reads what tq encodes', () => {
  test('a task body with every type we write', () => {
    const body = [
      [1732406400123, 2n ** 70n, -7, 2 ** 53],
      {
        raw: new Uint8Array([0, 255]),
        when: new Date('2024-01-02T03:04:05.678Z'),
        tags: new Set(['a']),
        floats: [0.25, 2.5, 1e21, 1e-7, 2 ** 60, Number.POSITIVE_INFINITY, Number.NaN],
        flag: false,
        nothing: null,
        map: new Map([['k', 'v']]),
      },
      { callbacks: null, errbacks: null, chain: null, chord: null },
    ];
    expect(pythonReads(yamlSerializer.encode(body))).toEqual([
      [{ int: '1732406400123' }, { int: '1180591620717411303424' }, { int: '-7' }, { int: '9007199254740992' }],
      {
        dict: {
          raw: { bytes: '00ff' },
          when: { datetime: '2024-01-02T03:04:05.678000+00:00' },
          tags: { set: [{ str: 'a' }] },
          floats: [
            { float: '0.25' },
            { float: '2.5' },
            { float: '1e+21' },
            { float: '1e-07' },
            { float: '1.152921504606847e+18' },
            { float: 'inf' },
            { float: 'nan' },
          ],
          flag: { bool: false },
          nothing: null,
          map: { dict: { k: { str: 'v' } } },
        },
      },
      { dict: { callbacks: null, errbacks: null, chain: null, chord: null } },
    ]);
  });

  test('every string comes back as the same string, however a YAML reader might misread it', () => {
    const strings = [
      'yes',
      'no',
      'on',
      'off',
      'y',
      'n',
      'true',
      '~',
      'null',
      '',
      '=',
      '<<',
      '0777',
      '08',
      '1_000',
      '1:20',
      '1e3',
      '1.5',
      '.5',
      '0x1F',
      '0b101',
      '2024-01-02',
      '2024-01-02 03:04:05',
      '-',
      '- a',
      '#x',
      'a: b',
      'a #b',
      '@x',
      '`x',
      '!x',
      '&x',
      '*x',
      '%x',
      '|',
      '>',
      '"q"',
      "'s'",
      ' lead',
      'trail ',
      'a\nb',
      'a\n\nb\n',
      'tab\tx',
      'é日本',
      '\u0000',
      '\u2028',
      '\u0085',
      '\ufeffbom',
      '.inf',
      '.nan',
      '+1',
      '-0',
      '0o7',
      'NO',
      'Null',
      'TRUE',
      'x'.repeat(200),
      '😀 astral',
    ];
    expect(pythonReads(yamlSerializer.encode(strings))).toEqual(strings.map((value) => ({ str: value })));
  });
});
