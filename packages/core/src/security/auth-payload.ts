import { ErrorCodes, TqError } from '../errors/index.js';

/**
 * The body layout of Celery's `auth` serializer (celery/security/serialization.py, 5.2 `_pack`/`_unpack`):
 *
 *   base64( signer \x00\x01 signature \x00\x01 content_type \x00\x01 content_encoding \x00\x01 body )
 *
 * one standard base64 string over the whole joined byte string (the fields themselves are raw). `signer` is the
 * certificate id, `signature` the raw RSA-PSS signature of `body`, and `body` the inner serializer's bytes. The
 * signature may contain the separator, so a reader takes it by length (the signer's key size), not by splitting.
 */
export interface AuthPayload {
  signer: string;
  signature: Uint8Array;
  contentType: string;
  contentEncoding: string;
  body: Uint8Array;
}

const SEPARATOR = Buffer.from([0x00, 0x01]);
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;
const utf8 = new TextDecoder('utf-8');

export function packAuthPayload(payload: AuthPayload): Uint8Array {
  const joined = Buffer.concat([
    Buffer.from(payload.signer, 'utf8'),
    SEPARATOR,
    payload.signature,
    SEPARATOR,
    Buffer.from(payload.contentType, 'utf8'),
    SEPARATOR,
    Buffer.from(payload.contentEncoding, 'utf8'),
    SEPARATOR,
    payload.body,
  ]);
  return Buffer.from(joined.toString('base64'), 'latin1');
}

/**
 * Splits an auth body. `signatureLength(signer)` says how long the named signer's signatures are and throws when
 * the signer is unknown. Unlike Celery, which keeps only the part of the body before any further separator
 * (so a body containing \x00\x01 never verifies there), the body is everything after the fourth separator.
 * Throws TqError(TQ_SECURITY) for anything that is not this layout.
 */
export function unpackAuthPayload(bytes: Uint8Array, signatureLength: (signer: string) => number): AuthPayload {
  const text = Buffer.from(bytes).toString('latin1').replace(/\s+/g, '');
  if (text.length % 4 !== 0 || !BASE64.test(text)) throw malformed('the body is not base64');
  const raw = Buffer.from(text, 'base64');
  const afterSigner = raw.indexOf(SEPARATOR);
  if (afterSigner === -1) throw malformed('no signer field');
  const signer = utf8.decode(raw.subarray(0, afterSigner));
  const signatureStart = afterSigner + SEPARATOR.length;
  const signatureEnd = signatureStart + signatureLength(signer);
  if (raw.length < signatureEnd + SEPARATOR.length || !raw.subarray(signatureEnd, signatureEnd + SEPARATOR.length).equals(SEPARATOR)) {
    throw malformed('the signature is not as long as the signer key says', signer);
  }
  const rest = raw.subarray(signatureEnd + SEPARATOR.length);
  const afterType = rest.indexOf(SEPARATOR);
  const afterEncoding = afterType === -1 ? -1 : rest.indexOf(SEPARATOR, afterType + SEPARATOR.length);
  if (afterEncoding === -1) throw malformed('missing content type or content encoding field', signer);
  return {
    signer,
    signature: raw.subarray(signatureStart, signatureEnd),
    contentType: utf8.decode(rest.subarray(0, afterType)),
    contentEncoding: utf8.decode(rest.subarray(afterType + SEPARATOR.length, afterEncoding)),
    body: rest.subarray(afterEncoding + SEPARATOR.length),
  };
}

function malformed(reason: string, signer?: string): TqError {
  return new TqError(ErrorCodes.SECURITY, `malformed signed message: ${reason}`, signer === undefined ? {} : { details: { signer } });
}
