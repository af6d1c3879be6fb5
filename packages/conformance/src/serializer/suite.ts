import assert from 'node:assert/strict';
import { ErrorCodes, type Serializer } from '@tq/core';
import type { SerializerSuiteOptions } from '../options.js';
import type { Runner } from '../runner.js';
import { CaseRegistry, type Fixture } from '../support/cases.js';
import { assertTqError } from '../support/errors.js';
import { describeSample, SAMPLE_GROUPS } from './samples.js';

interface SerializerContext extends Fixture {
  serializer: Serializer;
}

function roundTrip(serializer: Serializer, value: unknown, what: string): void {
  const before = structuredCloneOrSelf(value);
  const bytes = serializer.encode(value);
  assert.ok(bytes instanceof Uint8Array, `${what}: encode() must return a Uint8Array`);
  const back = serializer.decode(bytes);
  assert.deepStrictEqual(back, value, `${what}: decode(encode(value)) differs from the value`);
  assert.deepStrictEqual(value, before, `${what}: encode() changed its input`);
}

function structuredCloneOrSelf(value: unknown): unknown {
  try {
    return structuredClone(value);
  } catch {
    return value;
  }
}

const CONTENT_TYPE = /^[a-z]+\/[a-z0-9][a-z0-9.+-]*$/i;

/**
 * Registers the Serializer conformance cases: round trips of JSON-like values (and the caller's own samples),
 * refusal of garbage with TQ_DECODE and of unencodable values with TQ_ENCODE, and well-formed metadata.
 */
export function serializerSuite(runner: Runner, options: SerializerSuiteOptions): void {
  runner.describe(`serializer conformance: ${options.name}`, () => {
    const cases = new CaseRegistry<SerializerContext, object>(
      runner,
      {},
      () => ({ serializer: options.create(), cleanup: async () => [] }),
      1,
    );

    cases.add({
      name: 'name, contentType and contentEncoding are well-formed',
      run: async ({ serializer }) => {
        assert.match(serializer.name, /^[a-z0-9][a-z0-9._+-]*$/, 'name is a short lowercase word (json, msgpack, yaml)');
        assert.match(serializer.contentType, CONTENT_TYPE, 'contentType is a MIME type like application/json');
        assert.equal(typeof serializer.contentEncoding, 'string', 'contentEncoding is a string');
        assert.match(serializer.contentEncoding, /^[a-z0-9-]+$/, 'contentEncoding is utf-8, binary or similar');
        const again = options.create();
        assert.equal(again.contentType, serializer.contentType, 'every instance declares the same contentType');
      },
    });

    for (const [group, samples] of Object.entries(SAMPLE_GROUPS)) {
      cases.add({
        name: `round trip: ${group}`,
        run: async ({ serializer }) => {
          for (const sample of samples) roundTrip(serializer, sample, describeSample(sample));
        },
      });
    }

    (options.samples ?? []).forEach((sample, index) => {
      cases.add({
        name: `round trip of the caller's sample ${index + 1}: ${describeSample(sample)}`,
        run: async ({ serializer }) => roundTrip(serializer, sample, `sample ${index + 1}`),
      });
    });

    cases.add({
      name: 'decode() accepts a view into a larger buffer and a Buffer',
      run: async ({ serializer }) => {
        const value = { view: [1, 2, 3], text: 'offset ✓' };
        const bytes = serializer.encode(value);
        const larger = new Uint8Array(bytes.byteLength + 16);
        larger.fill(0xee);
        larger.set(bytes, 8);
        assert.deepStrictEqual(serializer.decode(larger.subarray(8, 8 + bytes.byteLength)), value, 'a subarray with byteOffset 8');
        assert.deepStrictEqual(serializer.decode(Buffer.from(bytes)), value, 'a Buffer');
      },
    });

    cases.add({
      name: 'text encodings produce valid text',
      run: async ({ serializer }) => {
        if (serializer.contentEncoding !== 'utf-8') return;
        const bytes = serializer.encode({ text: 'héllo 日本語 🎉', list: [1, null, true] });
        assert.doesNotThrow(
          () => new TextDecoder('utf-8', { fatal: true }).decode(bytes),
          'contentEncoding is utf-8, so encode() must produce valid UTF-8',
        );
      },
    });

    cases.add({
      name: 'decoding garbage fails with TQ_DECODE',
      run: async ({ serializer }) => {
        const valid = serializer.encode({ list: [1, 2, 3], text: 'hello world, this gets cut short' });
        const garbage: [string, Uint8Array][] = [
          ['empty input', new Uint8Array(0)],
          ['a truncated encoding', valid.subarray(0, Math.max(1, valid.byteLength - 5))],
          ['the byte 0xc1 (unused in msgpack, invalid in JSON)', new Uint8Array([0xc1])],
          ['invalid UTF-8 bytes', new Uint8Array([0xff, 0xfe, 0xfd, 0x80])],
        ];
        for (const [what, bytes] of garbage) {
          await assertTqError(`decode(${what})`, () => serializer.decode(bytes), ErrorCodes.DECODE);
        }
      },
    });

    cases.add({
      name: 'encoding what it cannot represent fails with TQ_ENCODE: a function, a circular structure',
      run: async ({ serializer }) => {
        await assertTqError('encode({fn: () => 1})', () => serializer.encode({ fn: () => 1 }), ErrorCodes.ENCODE);
        const circular: Record<string, unknown> = { name: 'loop' };
        circular.self = circular;
        await assertTqError('encode(a circular object)', () => serializer.encode(circular), ErrorCodes.ENCODE);
      },
    });
  });
}
