import type { Serializer } from '@tq/core';
import { ErrorCodes, TqError, YAML_CONTENT_TYPE } from '@tq/core';
import { type CollectionTag, parseDocument, type ScalarTag, stringify, type Tags } from 'yaml';
import { mapTag, seqTag } from 'yaml/util';
import { binaryTag } from './binary-tag.js';
import { pyyamlStringTag } from './string-tag.js';
import { falseTag, floatTag, intTag, nullTag, timestampTag, trueTag, valueTag } from './pyyaml-scalars.js';

/**
 * YAML as Celery speaks it (kombu registers PyYAML's `safe_dump` / `safe_load`, content encoding utf-8).
 *
 * Types: mappings <-> objects (a JS Map writes as a mapping too), sequences <-> arrays, `!!binary` <-> Uint8Array,
 * timestamps <-> Date (written as ISO-8601 UTC, read as UTC when no zone is given), `!!set` <-> Set, integers <->
 * numbers within ±2^53 and BigInt beyond, floats <-> numbers. Like JSON, properties holding undefined are left out,
 * undefined in a list (or as the whole value) writes as null, and `toJSON()` is honoured. Aliases are expanded
 * (at most 100, against alias bombs); duplicate keys keep the last value, as PyYAML does. An empty body, or one
 * without the final line break every YAML emitter writes, is refused as incomplete (TQ_DECODE).
 */
export interface YamlSerializer extends Serializer {
  readonly name: 'yaml';
  readonly contentType: typeof YAML_CONTENT_TYPE;
  readonly contentEncoding: 'utf-8';
}

/**
 * Builds the schema from the `yaml` package's 1.1 tags: ours for every scalar (PyYAML's resolvers), its own for
 * `!!set` and merge keys. Its merge tag also claims the *string* '<<' when writing and would write it bare (which
 * PyYAML reads as a merge marker and cannot load), so that tag only claims its own merge symbol here.
 */
function pyyamlSafeTags(base: Tags): Tags {
  const named = (tag: string) =>
    base.find(
      (candidate): candidate is ScalarTag | CollectionTag => typeof candidate !== 'string' && candidate.tag === tag,
    );
  const set = named('tag:yaml.org,2002:set');
  const merge = named('tag:yaml.org,2002:merge') as ScalarTag | undefined;
  const tags: Tags = [
    mapTag,
    seqTag,
    pyyamlStringTag,
    nullTag,
    trueTag,
    falseTag,
    intTag,
    floatTag,
    timestampTag,
    valueTag,
    binaryTag,
  ];
  if (set) tags.push(set);
  if (merge)
    tags.push({ ...merge, identify: (value: unknown) => typeof value === 'symbol' && value.description === '<<' });
  return tags;
}
const schemaOptions = { version: '1.1', schema: 'yaml-1.1', customTags: pyyamlSafeTags } as const;

export function createYamlSerializer(): YamlSerializer {
  const utf8 = new TextEncoder();
  const strictUtf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false });

  return Object.freeze({
    name: 'yaml',
    contentType: YAML_CONTENT_TYPE,
    contentEncoding: 'utf-8',
    encode(value: unknown): Uint8Array {
      let text: string | undefined;
      try {
        text = stringify(value === undefined ? null : value, {
          ...schemaOptions,
          lineWidth: 0, // never fold long strings: one line per scalar reads the same everywhere
          aliasDuplicateObjects: false, // repeated objects are written out again, as JSON would
          keepUndefined: false,
        });
      } catch (error) {
        throw new TqError(ErrorCodes.ENCODE, `value cannot be encoded as YAML: ${messageOf(error)}`, { cause: error });
      }
      if (text === undefined) throw new TqError(ErrorCodes.ENCODE, `a ${typeof value} cannot be encoded as YAML`);
      return utf8.encode(text);
    },
    decode(bytes: Uint8Array): unknown {
      let text: string;
      try {
        text = strictUtf8.decode(bytes);
      } catch (error) {
        throw new TqError(ErrorCodes.DECODE, 'YAML body is not valid UTF-8', {
          cause: error,
          details: { contentType: YAML_CONTENT_TYPE, bytes: bytes.byteLength },
        });
      }
      // Both checks below refuse text that is valid YAML but cannot be a whole message: no emitter (PyYAML's
      // safe_dump, ours, js-yaml, Go's, Ruby's) writes an empty document or leaves off the final line break, so a
      // body like that was cut short on the way (a truncated plain scalar is otherwise still valid YAML).
      if (text.trim() === '') {
        throw new TqError(ErrorCodes.DECODE, 'YAML body is empty', {
          details: { contentType: YAML_CONTENT_TYPE, bytes: bytes.byteLength },
        });
      }
      if (!text.endsWith('\n') && !text.endsWith('\r')) {
        throw new TqError(
          ErrorCodes.DECODE,
          'YAML body does not end with a line break, so it is incomplete (truncated?)',
          {
            details: { contentType: YAML_CONTENT_TYPE, bytes: bytes.byteLength },
          },
        );
      }
      const fail = (reason: string, cause?: unknown) =>
        new TqError(ErrorCodes.DECODE, `body is not valid YAML: ${reason}`, {
          cause,
          details: { contentType: YAML_CONTENT_TYPE, bytes: bytes.byteLength },
        });
      try {
        const document = parseDocument(text, { ...schemaOptions, uniqueKeys: false, prettyErrors: false });
        const [error] = document.errors;
        if (error) throw fail(messageOf(error), error);
        // An unknown tag (`!!python/object`, ...) is only a warning to `yaml`; PyYAML's safe_load refuses it.
        const unresolved = document.warnings.find((warning) => warning.code === 'TAG_RESOLVE_FAILED');
        if (unresolved) throw fail(messageOf(unresolved), unresolved);
        return document.toJS({ maxAliasCount: 100 });
      } catch (error) {
        if (TqError.is(error)) throw error;
        throw fail(messageOf(error), error);
      }
    },
  });
}

/** The shared instance most apps register. */
export const yamlSerializer: YamlSerializer = createYamlSerializer();

function messageOf(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.length > 200 ? `${message.slice(0, 200)}…` : message;
}
