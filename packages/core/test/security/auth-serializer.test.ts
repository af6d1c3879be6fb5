import { createPrivateKey, X509Certificate } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createAuthSerializer, ErrorCodes, type Serializer, TqError } from '@tq/core';
import { packAuthPayload, unpackAuthPayload } from '../../src/security/auth-payload.js';
import { parseCertificate } from '../../src/security/certificate.js';
import { resolveDigest, signPss } from '../../src/security/rsa-pss.js';
import { type TestIdentity, TestPki } from './pki.js';

const pki = new TestPki();
let alice: TestIdentity;
let bob: TestIdentity;
let mallory: TestIdentity;

beforeAll(() => {
  alice = pki.identity('alice');
  bob = pki.identity('bob', { subject: '/C=DE/ST=Berlin/O=tq tests/CN=bob', newKey: 'rsa:3072' });
  mallory = pki.identity('mallory');
});
afterAll(() => pki.close());

const text = new TextDecoder();
const body = [[2, 3], { note: 'héllo' }, { callbacks: null, errbacks: null, chain: null, chord: null }];

function thrown(run: () => unknown): TqError {
  try {
    run();
  } catch (error) {
    if (TqError.is(error)) return error;
    throw error;
  }
  throw new Error('expected a TqError');
}

describe('auth serializer (Celery 5.2 wire format)', () => {
  test('signs and verifies a round trip, as application/data utf-8 named auth', () => {
    const auth = createAuthSerializer({ key: alice.key, certificate: alice.certificate, trustedCertificates: [alice.certificate] });
    expect([auth.name, auth.contentType, auth.contentEncoding, auth.signed]).toEqual(['auth', 'application/data', 'utf-8', true]);
    expect(auth.decode(auth.encode(body))).toEqual(body);
  });

  test('packs base64(signer \\0\\1 signature \\0\\1 content type \\0\\1 encoding \\0\\1 json body)', () => {
    const auth = createAuthSerializer({ key: alice.key, certificate: alice.certificate, trustedCertificates: alice.certificate });
    const encoded = auth.encode(body);
    expect(text.decode(encoded)).toMatch(/^[A-Za-z0-9+/]+=*$/);
    const raw = Buffer.from(text.decode(encoded), 'base64');
    const signerEnd = raw.indexOf(Buffer.from([0, 1]));
    const signer = raw.subarray(0, signerEnd).toString();
    const serial = BigInt(`0x${new X509Certificate(alice.certificate).serialNumber}`).toString();
    expect(signer).toBe(`US tq tests alice ${serial}`);
    expect(auth.signer).toBe(signer);
    const afterSignature = raw.subarray(signerEnd + 2 + 256); // 2048-bit key: 256-byte signature
    expect(afterSignature.subarray(0, 2)).toEqual(Buffer.from([0, 1]));
    const [contentType, encoding, json] = afterSignature.subarray(2).toString().split('\x00\x01');
    expect([contentType, encoding]).toEqual(['application/json', 'utf-8']);
    expect(JSON.parse(json as string)).toEqual(body);
  });

  test('the signer id is every issuer attribute value in order, then the decimal serial', () => {
    const certificate = parseCertificate(pki.identity('serial', { subject: '/C=FR/O=Société Test/OU=ops/CN=sérial', serial: '0x0123456789abcdef0123' }).certificate);
    expect(certificate.issuer).toEqual(['FR', 'Société Test', 'ops', 'sérial']);
    expect(certificate.serialNumber).toBe(BigInt('0x0123456789abcdef0123').toString());
    expect(certificate.id).toBe(`FR Société Test ops sérial ${BigInt('0x0123456789abcdef0123')}`);
  });

  test('a changed body byte is refused: signature does not verify', () => {
    const auth = createAuthSerializer({ key: alice.key, certificate: alice.certificate, trustedCertificates: [alice.certificate] });
    const raw = Buffer.from(text.decode(auth.encode(body)), 'base64');
    raw.writeUInt8(raw.readUInt8(raw.length - 3) ^ 0x01, raw.length - 3);
    const error = thrown(() => auth.decode(Buffer.from(raw.toString('base64'))));
    expect(error.code).toBe(ErrorCodes.SECURITY);
    expect(error.message).toMatch(/^signature does not verify/);
    expect(error.message).not.toContain('\n');
  });

  test('a signer outside the trusted store is refused as unknown', () => {
    const malloryAuth = createAuthSerializer({ key: mallory.key, certificate: mallory.certificate, trustedCertificates: [] });
    const worker = createAuthSerializer({ trustedCertificates: [alice.certificate, bob.certificate] });
    const error = thrown(() => worker.decode(malloryAuth.encode(body)));
    expect(error.code).toBe(ErrorCodes.SECURITY);
    expect(error.message).toMatch(/^unknown signer "US tq tests mallory \d+": not among the 2 trusted/);
  });

  test('a trusted signer id with a signature from another key is refused', () => {
    const signer = parseCertificate(alice.certificate).id;
    const inner = new TextEncoder().encode(JSON.stringify(body));
    const mallorysKey = createAuthSerializer({ key: mallory.key, certificate: mallory.certificate, trustedCertificates: [] });
    expect(mallorysKey.signer).not.toBe(signer);
    const forged = packAuthPayload({
      signer,
      signature: signPss(inner, parseKey(mallory.key), resolveDigest('sha256')),
      contentType: 'application/json',
      contentEncoding: 'utf-8',
      body: inner,
    });
    const worker = createAuthSerializer({ trustedCertificates: [alice.certificate] });
    expect(thrown(() => worker.decode(forged))).toMatchObject({ code: ErrorCodes.SECURITY, message: expect.stringMatching(/^signature does not verify/) });
  });

  test('a message whose signer certificate has expired is refused', () => {
    const old = pki.identity('old', { validity: { start: '20200101000000Z', end: '20200102000000Z' } });
    const inner = new TextEncoder().encode(JSON.stringify(body));
    const certificate = parseCertificate(old.certificate);
    const signed = packAuthPayload({
      signer: certificate.id,
      signature: signPss(inner, parseKey(old.key), resolveDigest('sha256')),
      contentType: 'application/json',
      contentEncoding: 'utf-8',
      body: inner,
    });
    const worker = createAuthSerializer({ trustedCertificates: [old.certificate, alice.certificate] });
    const error = thrown(() => worker.decode(signed));
    expect(error.code).toBe(ErrorCodes.SECURITY);
    expect(error.message).toBe(`certificate of signer "${certificate.id}" expired at 2020-01-02T00:00:00.000Z`);
    // Signing with it is refused up front, too.
    const expiredSigner = createAuthSerializer({ key: old.key, certificate: old.certificate, trustedCertificates: [] });
    expect(thrown(() => expiredSigner.encode(body)).code).toBe(ErrorCodes.SECURITY);
  });

  test.each([
    ['not base64', new TextEncoder().encode('{"not": "signed"}')],
    ['no separators', Buffer.from(Buffer.from('just some bytes').toString('base64'))],
    ['truncated', null],
    ['empty', new Uint8Array()],
  ])('garbage (%s) is TQ_SECURITY, never a crash', (_label, bytes) => {
    const auth = createAuthSerializer({ key: alice.key, certificate: alice.certificate, trustedCertificates: [alice.certificate] });
    const input = bytes ?? Buffer.from(Buffer.from(text.decode(auth.encode(body)), 'base64').subarray(0, 200).toString('base64'));
    expect(thrown(() => auth.decode(input)).code).toBe(ErrorCodes.SECURITY);
  });

  test('key rotation: messages signed by any trusted certificate pass', () => {
    const worker = createAuthSerializer({ trustedCertificates: `${alice.certificate}\n${bob.certificate}` });
    expect(worker.trusted.size).toBe(2);
    for (const identity of [alice, bob]) {
      const client = createAuthSerializer({ key: identity.key, certificate: identity.certificate, trustedCertificates: [] });
      expect(worker.decode(client.encode(body))).toEqual(body);
    }
  });

  test('digest is configurable (sha512, sha3_256) and must match on both sides', () => {
    for (const digest of ['sha512', 'sha3_256']) {
      const auth = createAuthSerializer({ key: bob.key, certificate: bob.certificate, trustedCertificates: [bob.certificate], digest });
      expect(auth.decode(auth.encode(body))).toEqual(body);
      const sha256 = createAuthSerializer({ trustedCertificates: [bob.certificate] });
      expect(thrown(() => sha256.decode(auth.encode(body))).code).toBe(ErrorCodes.SECURITY);
    }
  });

  test('the inner serializer is pluggable; an inner content type it cannot decode is refused after verifying', () => {
    const upper: Serializer = {
      name: 'upper',
      contentType: 'text/x-upper',
      contentEncoding: 'utf-8',
      encode: (value) => new TextEncoder().encode(String(value).toUpperCase()),
      decode: (bytes) => text.decode(bytes),
    };
    const auth = createAuthSerializer({ key: alice.key, certificate: alice.certificate, trustedCertificates: [alice.certificate], inner: upper });
    expect(auth.decode(auth.encode('shout'))).toBe('SHOUT');
    const jsonOnly = createAuthSerializer({ trustedCertificates: [alice.certificate] });
    expect(thrown(() => jsonOnly.decode(auth.encode('shout'))).code).toBe(ErrorCodes.UNKNOWN_CONTENT_TYPE);
  });

  test('misconfiguration is TQ_INVALID_CONFIG', () => {
    const verifyOnly = createAuthSerializer({ trustedCertificates: [alice.certificate] });
    expect(thrown(() => verifyOnly.encode(body)).code).toBe(ErrorCodes.INVALID_CONFIG);
    const cases: (() => unknown)[] = [
      () => createAuthSerializer({ key: alice.key, certificate: bob.certificate, trustedCertificates: [] }),
      () => createAuthSerializer({ key: alice.key, trustedCertificates: [] }),
      () => createAuthSerializer({ key: 'not a key', certificate: alice.certificate, trustedCertificates: [] }),
      () => createAuthSerializer({ trustedCertificates: ['not a certificate'] }),
      () => createAuthSerializer({ trustedCertificates: [alice.certificate, alice.certificate] }),
      () => createAuthSerializer({ trustedCertificates: [pki.identity('ec', { newKey: 'ec' }).certificate] }),
      () => createAuthSerializer({ trustedCertificates: [], digest: 'md4-ish' }),
    ];
    for (const run of cases) expect(thrown(run).code).toBe(ErrorCodes.INVALID_CONFIG);
  });

  test('unpackAuthPayload keeps a body that itself contains the separator', () => {
    const payload = { signer: 'x 1', signature: new Uint8Array(4).fill(1), contentType: 'a/b', contentEncoding: 'binary', body: new Uint8Array([9, 0, 1, 9, 0, 1]) };
    const unpacked = unpackAuthPayload(packAuthPayload(payload), () => 4);
    expect({ ...unpacked, signature: new Uint8Array(unpacked.signature), body: new Uint8Array(unpacked.body) }).toEqual(payload);
  });
});

function parseKey(pem: string) {
  return createPrivateKey(pem);
}
