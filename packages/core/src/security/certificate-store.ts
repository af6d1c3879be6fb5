import { ErrorCodes, TqError } from '../errors/index.js';
import { type CertificateInput, parseCertificates, type SignerCertificate } from './certificate.js';

/**
 * The certificates whose signatures a receiver trusts, by Celery certificate id (issuer values + serial), as
 * Celery's CertStore. Several certificates at once is how keys rotate: trust the new one everywhere, move signers
 * to it, then drop the old one. Two certificates with the same id are a configuration error (as in Celery).
 */
export class CertificateStore {
  readonly #byId = new Map<string, SignerCertificate>();

  constructor(certificates: Iterable<CertificateInput | SignerCertificate> = []) {
    for (const certificate of certificates) {
      for (const parsed of isParsed(certificate) ? [certificate] : parseCertificates(certificate)) this.add(parsed);
    }
  }

  add(certificate: SignerCertificate): this {
    if (this.#byId.has(certificate.id)) {
      throw new TqError(ErrorCodes.INVALID_CONFIG, `duplicate certificate ${JSON.stringify(certificate.id)} in the trusted store`);
    }
    this.#byId.set(certificate.id, certificate);
    return this;
  }

  get(id: string): SignerCertificate | undefined {
    return this.#byId.get(id);
  }

  get size(): number {
    return this.#byId.size;
  }

  ids(): string[] {
    return [...this.#byId.keys()];
  }
}

function isParsed(value: CertificateInput | SignerCertificate): value is SignerCertificate {
  return typeof value === 'object' && value !== null && 'id' in value && 'publicKey' in value && 'keyBits' in value;
}
