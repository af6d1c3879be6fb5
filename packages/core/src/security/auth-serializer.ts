import { createPrivateKey, createPublicKey, type KeyObject } from 'node:crypto';
import type { Serializer } from '../contracts/index.js';
import { ErrorCodes, TqError } from '../errors/index.js';
import { jsonSerializer } from '../serialization/json-serializer.js';
import { normalizeContentType, PICKLE_CONTENT_TYPE } from '../serialization/content-types.js';
import { packAuthPayload, unpackAuthPayload } from './auth-payload.js';
import { type CertificateInput, parseCertificate, type SignerCertificate } from './certificate.js';
import { CertificateStore } from './certificate-store.js';
import { resolveDigest, signPss, verifyPss } from './rsa-pss.js';

/** Celery's auth serializer content type and encoding (`register_auth`: application/data, utf-8). */
export const AUTH_CONTENT_TYPE = 'application/data';

export interface AuthSerializerOptions {
  /** PEM private key (RSA) to sign with (Celery's security_key). Omit on a side that only verifies. */
  key?: string | Uint8Array | KeyObject;
  /** Passphrase of an encrypted PEM key. */
  keyPassword?: string;
  /** The certificate of `key` (security_certificate); its id names the signer in every message. */
  certificate?: CertificateInput;
  /**
   * Certificates whose signatures are accepted (security_cert_store): PEM texts (each may hold several), parsed
   * certificates, or a CertificateStore. More than one = key rotation.
   */
  trustedCertificates: CertificateStore | CertificateInput | readonly (CertificateInput | SignerCertificate)[];
  /** What the signed body is serialized with. Default the JSON serializer (Celery's default, `serializer='json'`). */
  inner?: Serializer;
  /** Serializers for the inner content types this side decodes. Default `[inner]`. */
  decoders?: readonly Serializer[];
  /** Celery's security_digest. Default `sha256`, as Celery 5.2. */
  digest?: string;
}

export interface AuthSerializer extends Serializer {
  readonly name: 'auth';
  readonly contentType: typeof AUTH_CONTENT_TYPE;
  readonly contentEncoding: 'utf-8';
  readonly signed: true;
  /** This side's certificate id, or undefined when it only verifies. */
  readonly signer: string | undefined;
  readonly trusted: CertificateStore;
  readonly digest: string;
}

/**
 * Celery 5.2's message-signing `auth` serializer, both ways: encode serializes with `inner`, signs those bytes with
 * RSA-PSS and packs signer, signature, inner content type/encoding and body (see auth-payload.ts); decode looks the
 * signer up among the trusted certificates, refuses an expired one, verifies, then decodes with the inner
 * serializer. Every refusal is a TqError(TQ_SECURITY) with a one-line reason (a body that verifies but does not
 * decode is TQ_DECODE). As in Celery, only the body is signed: headers (task name, id, eta) are not.
 *
 * To require signatures on a worker: register it and accept only it,
 * `createApp({ serializers: [auth], taskSerializer: 'auth', accept: ['auth'] })`; any other content type is then
 * refused as TQ_SECURITY.
 */
export function createAuthSerializer(options: AuthSerializerOptions): AuthSerializer {
  const digest = resolveDigest(options.digest ?? 'sha256');
  const inner = options.inner ?? jsonSerializer;
  const decoders = new Map((options.decoders ?? [inner]).map((serializer) => [normalizeContentType(serializer.contentType), serializer]));
  const trusted = options.trustedCertificates instanceof CertificateStore ? options.trustedCertificates : new CertificateStore(asList(options.trustedCertificates));
  const signing = signingIdentity(options);

  function encode(value: unknown): Uint8Array {
    if (!signing) {
      throw new TqError(ErrorCodes.INVALID_CONFIG, 'this auth serializer has no key and certificate: it verifies messages but cannot sign them');
    }
    const { key, certificate } = signing;
    if (Date.now() >= certificate.notAfter.getTime()) {
      throw new TqError(ErrorCodes.SECURITY, `cannot sign: certificate ${JSON.stringify(certificate.id)} expired at ${certificate.notAfter.toISOString()}`, {
        details: { signer: certificate.id },
      });
    }
    const body = inner.encode(value);
    return packAuthPayload({
      signer: certificate.id,
      signature: signPss(body, key, digest),
      contentType: inner.contentType,
      contentEncoding: inner.contentEncoding,
      body,
    });
  }

  function decode(bytes: Uint8Array): unknown {
    let certificate: SignerCertificate | undefined;
    const payload = unpackAuthPayload(bytes, (signer) => {
      certificate = trusted.get(signer);
      if (!certificate) throw refused(`unknown signer ${JSON.stringify(signer)}: not among the ${trusted.size} trusted certificate(s)`, signer);
      return Math.ceil(certificate.keyBits / 8);
    });
    const signer = certificate as SignerCertificate;
    if (Date.now() >= signer.notAfter.getTime()) {
      throw refused(`certificate of signer ${JSON.stringify(signer.id)} expired at ${signer.notAfter.toISOString()}`, signer.id);
    }
    if (!verifyPss(payload.body, payload.signature, signer.publicKey, digest)) {
      throw refused(`signature does not verify (signer ${JSON.stringify(signer.id)}, digest ${digest.name}): tampered or signed with another key`, signer.id);
    }
    const contentType = normalizeContentType(payload.contentType);
    const decoder = decoders.get(contentType);
    if (!decoder) {
      const code = contentType === PICKLE_CONTENT_TYPE ? ErrorCodes.CONTENT_TYPE_REFUSED : ErrorCodes.UNKNOWN_CONTENT_TYPE;
      throw new TqError(code, `signed body has content type ${payload.contentType}, which this auth serializer does not decode (it decodes: ${[...decoders.keys()].join(', ')})`, {
        details: { signer: signer.id, innerContentType: payload.contentType },
      });
    }
    return decoder.decode(payload.body);
  }

  return Object.freeze({
    name: 'auth',
    contentType: AUTH_CONTENT_TYPE,
    contentEncoding: 'utf-8',
    signed: true,
    signer: signing?.certificate.id,
    trusted,
    digest: digest.name,
    encode,
    decode,
  } as const);
}

function signingIdentity(options: AuthSerializerOptions): { key: KeyObject; certificate: SignerCertificate } | undefined {
  if (options.key === undefined && options.certificate === undefined) return undefined;
  if (options.key === undefined || options.certificate === undefined) {
    throw new TqError(ErrorCodes.INVALID_CONFIG, 'an auth serializer that signs needs both `key` and `certificate`');
  }
  const certificate = parseCertificate(options.certificate);
  let key: KeyObject;
  try {
    key =
      typeof options.key === 'object' && !(options.key instanceof Uint8Array)
        ? options.key
        : createPrivateKey({ key: typeof options.key === 'string' ? options.key : Buffer.from(options.key), passphrase: options.keyPassword });
  } catch (error) {
    const reason = (error instanceof Error ? error.message : String(error)).split('\n')[0];
    throw new TqError(ErrorCodes.INVALID_CONFIG, `invalid private key: ${reason}`, { cause: error });
  }
  if (key.type !== 'private') throw new TqError(ErrorCodes.INVALID_CONFIG, '`key` must be a private key');
  if (!createPublicKey(key).equals(certificate.publicKey)) {
    throw new TqError(ErrorCodes.INVALID_CONFIG, `the private key does not belong to certificate ${JSON.stringify(certificate.id)}`);
  }
  return { key, certificate };
}

function asList<T>(value: T | readonly T[]): readonly T[] {
  return Array.isArray(value) ? (value as readonly T[]) : [value as T];
}

function refused(reason: string, signer: string): TqError {
  return new TqError(ErrorCodes.SECURITY, reason, { details: { signer } });
}
