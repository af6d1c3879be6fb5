import type { Compressor } from '../contracts/index.js';
import { ErrorCodes, TqError } from '../errors/index.js';
import { normalizeContentType } from './content-types.js';

/**
 * Compressors by name, MIME type or alias, as kombu resolves the `compression` header (which holds the MIME type,
 * `application/x-gzip`) and the user's setting (`zlib`, `gzip`, `brotli`).
 */
export class CompressorRegistry {
  readonly #byKey = new Map<string, Compressor>();
  readonly #all = new Set<Compressor>();

  constructor(compressors: Iterable<Compressor> = []) {
    for (const compressor of compressors) this.register(compressor);
  }

  register(compressor: Compressor): this {
    this.#all.add(compressor);
    for (const key of [compressor.name, compressor.contentType, ...compressor.aliases]) {
      this.#byKey.set(normalizeContentType(key), compressor);
    }
    return this;
  }

  get(nameTypeOrAlias: string): Compressor | undefined {
    return this.#byKey.get(normalizeContentType(nameTypeOrAlias));
  }

  has(nameTypeOrAlias: string): boolean {
    return this.get(nameTypeOrAlias) !== undefined;
  }

  /** Like get(), but throws TQ_UNKNOWN_CONTENT_TYPE naming what is registered. */
  require(nameTypeOrAlias: string): Compressor {
    const compressor = this.get(nameTypeOrAlias);
    if (compressor) return compressor;
    const known = [...this.#all].map((c) => `${c.name} (${c.contentType})`).join(', ') || 'none';
    throw new TqError(
      ErrorCodes.UNKNOWN_CONTENT_TYPE,
      `no compressor registered for ${JSON.stringify(nameTypeOrAlias)} (registered: ${known})`,
      { details: { compression: nameTypeOrAlias } },
    );
  }

  list(): Compressor[] {
    return [...this.#all];
  }
}
