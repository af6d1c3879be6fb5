/** MIME types and names Celery/kombu use on the wire (kombu/serialization.py, kombu/compression.py). */

export const JSON_CONTENT_TYPE = 'application/json';
export const MSGPACK_CONTENT_TYPE = 'application/x-msgpack';
export const YAML_CONTENT_TYPE = 'application/x-yaml';
/** Python pickle: never accepted by tq (unpickling runs arbitrary code, and JS cannot read it anyway). */
export const PICKLE_CONTENT_TYPE = 'application/x-python-serialize';

/** kombu's serializer names, so `accept: ['json', 'msgpack']` works before those serializers are registered. */
export const KNOWN_SERIALIZER_NAMES: Readonly<Record<string, string>> = Object.freeze({
  json: JSON_CONTENT_TYPE,
  msgpack: MSGPACK_CONTENT_TYPE,
  yaml: YAML_CONTENT_TYPE,
  pickle: PICKLE_CONTENT_TYPE,
});

/** Lower-cases a MIME type and drops parameters: `Application/JSON; charset=utf-8` -> `application/json`. */
export function normalizeContentType(contentType: string): string {
  const semicolon = contentType.indexOf(';');
  return (semicolon === -1 ? contentType : contentType.slice(0, semicolon)).trim().toLowerCase();
}
