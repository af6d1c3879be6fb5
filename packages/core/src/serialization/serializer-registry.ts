import type { Serializer } from '../contracts/index.js';
import { ErrorCodes, TqError } from '../errors/index.js';
import { KNOWN_SERIALIZER_NAMES, normalizeContentType } from './content-types.js';

/**
 * Serializers by name (`json`) and by content type (`application/json`). A worker looks up the content type a
 * message declares; a producer looks up the name the user configured. Registering a serializer with a name or
 * content type already present replaces the old one (so `@tq/serializer-msgpack` can take over `msgpack`).
 */
export class SerializerRegistry {
  readonly #byName = new Map<string, Serializer>();
  readonly #byContentType = new Map<string, Serializer>();

  constructor(serializers: Iterable<Serializer> = []) {
    for (const serializer of serializers) this.register(serializer);
  }

  register(serializer: Serializer): this {
    this.#byName.set(serializer.name.toLowerCase(), serializer);
    this.#byContentType.set(normalizeContentType(serializer.contentType), serializer);
    return this;
  }

  /** The serializer registered under this name or content type (case-insensitive, MIME parameters ignored). */
  get(nameOrContentType: string): Serializer | undefined {
    const key = nameOrContentType.toLowerCase();
    return this.#byName.get(key) ?? this.#byContentType.get(normalizeContentType(key));
  }

  has(nameOrContentType: string): boolean {
    return this.get(nameOrContentType) !== undefined;
  }

  /** Like get(), but throws TQ_UNKNOWN_CONTENT_TYPE naming what is registered. */
  require(nameOrContentType: string): Serializer {
    const serializer = this.get(nameOrContentType);
    if (serializer) return serializer;
    const known = [...this.#byName.keys()].join(', ') || 'none';
    throw new TqError(
      ErrorCodes.UNKNOWN_CONTENT_TYPE,
      `no serializer registered for ${JSON.stringify(nameOrContentType)} (registered: ${known})`,
      { details: { contentType: nameOrContentType } },
    );
  }

  /**
   * The content type a name or content type stands for: registered serializers first, then kombu's well-known
   * names (json, msgpack, yaml, pickle); anything containing `/` is taken as a content type. Used for accept lists.
   */
  contentTypeOf(nameOrContentType: string): string | undefined {
    const registered = this.get(nameOrContentType);
    if (registered) return normalizeContentType(registered.contentType);
    const key = nameOrContentType.trim().toLowerCase();
    return KNOWN_SERIALIZER_NAMES[key] ?? (key.includes('/') ? normalizeContentType(key) : undefined);
  }

  list(): Serializer[] {
    return [...new Set(this.#byContentType.values())];
  }
}
