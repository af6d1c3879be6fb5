import { type KeyObject, X509Certificate } from 'node:crypto';
import { ErrorCodes, TqError } from '../errors/index.js';
import { DerTag, derChildren, derIntegerToDecimal, derStringValue, derTime, expectTag, readDerNode } from './der.js';

/** A certificate as PEM text or bytes, or one Node has already parsed. */
export type CertificateInput = string | Uint8Array | X509Certificate;

/**
 * An X.509 certificate as Celery's auth serializer uses it (celery/security/certificate.py): an RSA public key
 * and an id, `<issuer attribute values joined by spaces> <serial number in decimal>` (Celery's `get_id()`),
 * which signed messages carry to name their signer.
 */
export interface SignerCertificate {
  readonly id: string;
  /** The issuer's attribute values in certificate order (`['US', 'Acme', 'Acme CA']`). */
  readonly issuer: readonly string[];
  /** Decimal, as Python prints it. */
  readonly serialNumber: string;
  readonly notBefore: Date;
  readonly notAfter: Date;
  readonly publicKey: KeyObject;
  /** RSA modulus size in bits; a signature is `ceil(bits / 8)` bytes. */
  readonly keyBits: number;
  readonly x509: X509Certificate;
}

const PEM_CERTIFICATE = /-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g;

/** Parses one certificate (the first, if PEM text holds several). TQ_INVALID_CONFIG when it cannot be used. */
export function parseCertificate(input: CertificateInput): SignerCertificate {
  let x509: X509Certificate;
  try {
    x509 = input instanceof X509Certificate ? input : new X509Certificate(typeof input === 'string' ? input : Buffer.from(input));
  } catch (error) {
    throw invalid(`not an X.509 certificate: ${firstLine(error)}`, error);
  }
  let fields: ReturnType<typeof readTbsFields>;
  try {
    fields = readTbsFields(x509.raw);
  } catch (error) {
    throw invalid(`cannot read the certificate's issuer/serial/validity: ${firstLine(error)}`, error);
  }
  const publicKey = x509.publicKey;
  const keyBits = publicKey.asymmetricKeyDetails?.modulusLength;
  if (publicKey.asymmetricKeyType !== 'rsa' || keyBits === undefined) {
    throw invalid(
      `certificate ${fields.id} has a ${publicKey.asymmetricKeyType ?? 'unknown'} key; Celery's auth serializer signs with RSA-PSS, so only RSA certificates work`,
    );
  }
  return Object.freeze({ ...fields, publicKey, keyBits, x509 });
}

/** Every certificate in PEM text (a bundle), or the one certificate given. */
export function parseCertificates(input: CertificateInput): SignerCertificate[] {
  if (input instanceof X509Certificate) return [parseCertificate(input)];
  const text = typeof input === 'string' ? input : Buffer.from(input).toString('latin1');
  const blocks = text.match(PEM_CERTIFICATE);
  // No PEM armour: let parseCertificate try (DER bytes) and report why it fails.
  if (!blocks) return [parseCertificate(input)];
  return blocks.map((block) => parseCertificate(block));
}

/** Celery's `Certificate.get_id()`. */
export function certificateId(issuer: readonly string[], serialNumber: string): string {
  return `${issuer.join(' ')} ${serialNumber}`;
}

/** TBSCertificate ::= SEQUENCE { [0] version OPTIONAL, serialNumber, signature, issuer, validity, ... } */
function readTbsFields(der: Uint8Array) {
  const certificate = expectTag(readDerNode(der), DerTag.SEQUENCE, 'Certificate SEQUENCE');
  const tbs = derChildren(expectTag(derChildren(certificate)[0], DerTag.SEQUENCE, 'TBSCertificate SEQUENCE'));
  let index = tbs[0]?.tag === DerTag.CONTEXT_0 ? 1 : 0;
  const serialNumber = derIntegerToDecimal(expectTag(tbs[index++], DerTag.INTEGER, 'serialNumber INTEGER'));
  index++; // signature AlgorithmIdentifier
  const issuer = readNameValues(expectTag(tbs[index++], DerTag.SEQUENCE, 'issuer Name'));
  const validity = derChildren(expectTag(tbs[index], DerTag.SEQUENCE, 'Validity SEQUENCE'));
  if (validity.length !== 2) throw new Error('expected notBefore and notAfter');
  return {
    id: certificateId(issuer, serialNumber),
    issuer,
    serialNumber,
    notBefore: derTime(validity[0] as (typeof validity)[0]),
    notAfter: derTime(validity[1] as (typeof validity)[1]),
  };
}

/** Name ::= SEQUENCE OF SET OF SEQUENCE { type OID, value ANY }: the values, flattened in order (as `cryptography` iterates a Name). */
function readNameValues(name: ReturnType<typeof readDerNode>): string[] {
  const values: string[] = [];
  for (const rdn of derChildren(name)) {
    for (const attribute of derChildren(expectTag(rdn, DerTag.SET, 'RelativeDistinguishedName SET'))) {
      const [, value] = derChildren(expectTag(attribute, DerTag.SEQUENCE, 'AttributeTypeAndValue'));
      if (!value) throw new Error('attribute without a value');
      values.push(derStringValue(value));
    }
  }
  return values;
}

function invalid(message: string, cause?: unknown): TqError {
  return new TqError(ErrorCodes.INVALID_CONFIG, message, cause === undefined ? {} : { cause });
}

function firstLine(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).split('\n')[0] ?? '';
}
