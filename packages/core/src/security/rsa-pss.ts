import { constants, createHash, getHashes, type KeyObject, sign, verify } from 'node:crypto';
import { ErrorCodes, TqError } from '../errors/index.js';

/**
 * RSA-PSS exactly as Celery 5.2 signs (celery/security/key.py, certificate.py): `padding.PSS(mgf=MGF1(digest),
 * salt_length=PSS.MAX_LENGTH)` with the same digest for the message and MGF1. `cryptography` turns MAX_LENGTH into
 * `ceil((bits - 1) / 8) - digestSize - 2` for signing and verifying alike, so that exact salt length is used here
 * both ways (OpenSSL's "auto" on verify would also accept other salt lengths).
 */
export interface Digest {
  /** The name Celery is configured with (`sha256`). */
  readonly name: string;
  /** The name Node/OpenSSL use (`sha256`, `sha3-256`). */
  readonly nodeName: string;
  readonly size: number;
}

/**
 * Celery's `security_digest`: any `cryptography.hazmat.primitives.hashes` class by name, case-insensitive
 * (`sha256`, `sha512`, `sha3_256`, `sha512_256`). TQ_INVALID_CONFIG for names OpenSSL here does not know.
 */
export function resolveDigest(name: string): Digest {
  const nodeName = name.trim().toLowerCase().replace(/^(sha3|sha512)_/, '$1-');
  if (!getHashes().includes(nodeName) || /^(blake2|shake)/.test(nodeName)) {
    throw new TqError(ErrorCodes.INVALID_CONFIG, `unsupported security digest ${JSON.stringify(name)} (use e.g. sha256, sha512, sha3_256)`);
  }
  return Object.freeze({ name, nodeName, size: createHash(nodeName).digest().length });
}

function pssOptions(key: KeyObject, digest: Digest) {
  const bits = key.asymmetricKeyDetails?.modulusLength ?? 0;
  const saltLength = Math.ceil((bits - 1) / 8) - digest.size - 2;
  if (saltLength < 0) {
    throw new TqError(ErrorCodes.INVALID_CONFIG, `a ${bits}-bit RSA key is too small for RSA-PSS with ${digest.name}`);
  }
  return { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength };
}

export function signPss(data: Uint8Array, privateKey: KeyObject, digest: Digest): Uint8Array {
  return sign(digest.nodeName, data, pssOptions(privateKey, digest));
}

/** False for a signature that does not verify; never throws for a bad signature. */
export function verifyPss(data: Uint8Array, signature: Uint8Array, publicKey: KeyObject, digest: Digest): boolean {
  try {
    return verify(digest.nodeName, data, pssOptions(publicKey, digest), signature);
  } catch {
    return false;
  }
}
