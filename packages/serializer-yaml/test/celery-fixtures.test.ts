import { readFileSync } from 'node:fs';
import { yamlSerializer } from '@tq/serializer-yaml';
import { describe, expect, test } from 'vitest';

/** YAML PyYAML wrote through kombu 5.2 / Celery 5.2 (fixtures/generate_fixtures.py), read without Python. */
const fixtures = JSON.parse(readFileSync(new URL('./fixtures/celery-yaml-messages.json', import.meta.url), 'utf8')) as {
  message: { envelope: { body: string; 'content-type': string; 'content-encoding': string } };
  ambiguous_strings: { content_type: string; content_encoding: string; text: string; values: string[] };
};

describe('YAML written by Python Celery 5.2 (PyYAML safe_dump)', () => {
  test('the content type and encoding kombu writes are ours', () => {
    expect(fixtures.message.envelope['content-type']).toBe(yamlSerializer.contentType);
    expect(fixtures.message.envelope['content-encoding']).toBe(yamlSerializer.contentEncoding);
  });

  test('a task body decodes with PyYAML’s types mapped to JS', () => {
    const body = yamlSerializer.decode(Buffer.from(fixtures.message.envelope.body, 'base64'));
    expect(body).toEqual([
      [42, 'user@example.com', { order_id: 981223, amount: 19.99 }],
      {
        created_at_ms: 1732406400123,
        wide: 2n ** 70n,
        raw: new Uint8Array([0x00, 0x01, 0xfe, 0xff]),
        text: 'héllo ✓',
        when: new Date('2024-01-02T03:04:05.678Z'),
        naive: new Date('2024-01-02T03:04:05Z'),
        day: new Date('2024-01-02T00:00:00Z'),
        tags: new Set(['a', 'b']),
        flag: true,
        nothing: null,
        ratio: 0.25,
        whole_float: 2,
        big_float: 1e300,
        inf: Number.POSITIVE_INFINITY,
        multi_line: 'line one\nline two',
        nested: { list: [1, [2, [3]]], empty: {} },
      },
      { callbacks: null, errbacks: null, chain: null, chord: null },
    ]);
  });

  test('strings PyYAML writes plain because *it* reads them as strings (y, n, 08, 1e3, 0o7) stay strings', () => {
    const { text, values, content_type } = fixtures.ambiguous_strings;
    expect(content_type).toBe('application/x-yaml');
    expect(yamlSerializer.decode(Buffer.from(text, 'utf8'))).toEqual(values);
  });
});
