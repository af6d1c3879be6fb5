import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import {
  createApp,
  createAuthSerializer,
  decodeTaskMessage,
  defaultCompressors,
  encodeTaskMessage,
  ErrorCodes,
  jsonSerializer,
  type Serializer,
  SerializerRegistry,
  TqError,
  testMode,
  type TransportMessage,
} from '@tq/core';
import { envelopeToMessage, type KombuEnvelope, messageToEnvelope } from '../fixtures/celery/kombu-envelope.js';
import { type TestIdentity, TestPki } from './pki.js';

/**
 * Signed messages crossing between Celery 5.2's `auth` serializer and tq, both ways. The committed fixture
 * (celery-5.2-signed.json, made by fixtures/celery_auth.py from throwaway identities whose private keys were
 * discarded) is checked always; with Debian's python3-celery + python3-cryptography the script also runs live.
 */
const PYTHON = '/usr/bin/python3';
const SCRIPT = fileURLToPath(new URL('./fixtures/celery_auth.py', import.meta.url));
const hasCelery =
  existsSync(PYTHON) && spawnSync(PYTHON, ['-c', 'import celery.security, cryptography'], { stdio: 'ignore' }).status === 0;
if (!hasCelery) console.warn('\n!!! SKIPPING live Celery auth interop: /usr/bin/python3 lacks celery or cryptography. !!!\n');

interface SignedFixtures {
  celery: string;
  certificates: Record<string, string>;
  ids: Record<string, string>;
  fixtures: { name: string; signer: string; digest: string; envelope: KombuEnvelope }[];
}

const committed = JSON.parse(readFileSync(new URL('./fixtures/celery-5.2-signed.json', import.meta.url), 'utf8')) as SignedFixtures;
const EXPECTED: Record<string, { task: string; args: unknown[]; kwargs: Record<string, unknown>; result: unknown }> = {
  add: { task: 'proj.add', args: [2, 3], kwargs: {}, result: 5 },
  'echo-unicode': { task: 'proj.echo', args: [1.5, 'ü€', null, [1, { a: true }]], kwargs: { k: 'v' }, result: [[1.5, 'ü€', null, [1, { a: true }]], { k: 'v' }] },
  'add-rotated': { task: 'proj.add', args: [40, 2], kwargs: {}, result: 42 },
  'add-sha512': { task: 'proj.add', args: [5, 5], kwargs: {}, result: 10 },
};

function workerSide(data: SignedFixtures, digest: string) {
  const auth = createAuthSerializer({ trustedCertificates: Object.values(data.certificates), digest });
  return { auth, options: { serializers: new SerializerRegistry([jsonSerializer, auth]), compressors: defaultCompressors(), accept: ['auth'] } };
}

function checkCeleryFixtures(data: SignedFixtures) {
  const { auth } = workerSide(data, 'sha256');
  // tq computes the same signer ids as Celery's Certificate.get_id() (a non-ASCII issuer, a 128-bit serial).
  expect(auth.trusted.ids().sort()).toEqual(Object.values(data.ids).sort());
  for (const fixture of data.fixtures) {
    const message = envelopeToMessage(fixture.envelope);
    expect([message.contentType, message.contentEncoding]).toEqual(['application/data', 'utf-8']);
    const decoded = decodeTaskMessage(message, workerSide(data, fixture.digest).options);
    const expected = EXPECTED[fixture.name];
    expect(decoded, fixture.name).toMatchObject({ task: expected?.task, args: expected?.args, kwargs: expected?.kwargs });
    // Flip one character inside the signed JSON: refused.
    const raw = Buffer.from(Buffer.from(message.body).toString('latin1'), 'base64');
    raw.writeUInt8(raw.readUInt8(raw.length - 10) ^ 0x04, raw.length - 10);
    const tampered = { ...message, body: Buffer.from(raw.toString('base64')) };
    expect(refusal(() => decodeTaskMessage(tampered, workerSide(data, fixture.digest).options))).toBe(ErrorCodes.SECURITY);
  }
}

function refusal(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    if (TqError.is(error)) return error.code;
    throw error;
  }
  return 'accepted';
}

describe('messages signed by Celery 5.2 (committed fixture)', () => {
  test('verify and decode in tq, with the signer ids Celery computes; tampered copies are refused', () => {
    expect(committed.celery).toMatch(/^5\.2\./);
    checkCeleryFixtures(committed);
  });

  test('run on a tq worker that accepts only auth', async () => {
    const auth = createAuthSerializer({ trustedCertificates: Object.values(committed.certificates) });
    const app = createApp({ broker: 'memory://', backend: null, serializers: [auth], accept: ['auth'] });
    app.task('proj.add', (x: number, y: number) => x + y);
    app.task('proj.echo', (...args: unknown[]) => [args.slice(0, -1), args.at(-1)]);
    const tq = await testMode(app);
    await tq.transport.declareQueue({ name: 'celery' });
    const sha256 = committed.fixtures.filter((fixture) => fixture.digest === 'sha256' && fixture.name !== 'echo-unicode');
    for (const fixture of sha256) await tq.transport.publish(envelopeToMessage(fixture.envelope), { queue: 'celery' });
    await tq.runUntilIdle();
    for (const fixture of sha256) {
      expect(await app.AsyncResult(fixture.envelope.headers.id as string).get({ timeout: 5 })).toEqual(EXPECTED[fixture.name]?.result);
    }
    expect(await tq.transport.size('celery.dead')).toBe(0);
    await tq.close();
  });
});

describe.skipIf(!hasCelery)('live against Celery 5.2 (python3-celery, python3-cryptography)', () => {
  const pki = new TestPki();
  let tqSigner: TestIdentity;
  let stranger: TestIdentity;
  beforeAll(() => {
    tqSigner = pki.identity('tq-signer', { subject: '/C=NO/O=tq interop/OU=Tromsø/CN=tq node' });
    stranger = pki.identity('stranger');
  });
  afterAll(() => pki.close());

  const python = (command: string, input: unknown) => {
    const file = join(pki.dir, `${command}-input.json`);
    writeFileSync(file, JSON.stringify(input));
    // stderr is kept (not echoed): Celery logs a traceback for every message it refuses.
    return JSON.parse(execFileSync(PYTHON, [SCRIPT, command, file], { encoding: 'utf8', timeout: 90_000, stdio: ['ignore', 'pipe', 'pipe'] }));
  };

  test('freshly generated Celery messages verify in tq', () => {
    const out = join(pki.dir, 'fresh.json');
    execFileSync(PYTHON, [SCRIPT, 'generate', out], { timeout: 90_000, stdio: ['ignore', 'pipe', 'pipe'] });
    checkCeleryFixtures(JSON.parse(readFileSync(out, 'utf8')) as SignedFixtures);
  });

  test("bodies tq signs pass Celery's SecureSerializer.deserialize; tampered and foreign ones raise SecurityError", () => {
    const signed = (identity: TestIdentity, digest = 'sha256') =>
      createAuthSerializer({ key: identity.key, certificate: identity.certificate, trustedCertificates: [], digest });
    const value = [[1, 'ü€', 2.5, null], { nested: { list: [true, false] } }, { callbacks: null, errbacks: null, chain: null, chord: null }];
    const good = signed(tqSigner).encode(value);
    const raw = Buffer.from(Buffer.from(good).toString('latin1'), 'base64');
    raw.writeUInt8(raw.readUInt8(raw.length - 5) ^ 0x01, raw.length - 5);
    const bodies = [good, Buffer.from(raw.toString('base64')), signed(stranger).encode(value), signed(tqSigner, 'sha512').encode(value)];
    const results = python('deserialize', { certificates: [tqSigner.certificate], bodies: bodies.map((body) => Buffer.from(body).toString('base64')) });
    expect(results[0]).toEqual({ value });
    // Celery 5.2.6's reraise_errors names the module `cryptography.exceptions` where it means an exception class,
    // so a bad signature surfaces as a TypeError inside the SecurityError; still a refusal.
    const badSignature = /^SecurityError: Unable to deserialize: .*(Bad signature|catching classes that do not inherit from BaseException)/;
    expect(results[1].error).toMatch(badSignature);
    expect(results[2].error).toMatch(/^SecurityError: .*Unknown certificate/);
    expect(results[3].error).toMatch(badSignature); // digest mismatch: the Celery side is sha256
    const sha512 = python('deserialize', { certificates: [tqSigner.certificate], digest: 'sha512', bodies: [Buffer.from(bodies[3] as Uint8Array).toString('base64')] });
    expect(sha512[0]).toEqual({ value });
  });

  test('a Celery 5.2 worker configured with setup_security runs tasks tq signed and drops unsigned/tampered/foreign ones', () => {
    const store = join(pki.dir, 'celery-store');
    mkdirSync(store);
    copyFileSync(tqSigner.certFile, join(store, 'tq-signer.pem'));
    const auth = createAuthSerializer({ key: tqSigner.key, certificate: tqSigner.certificate, trustedCertificates: [] });
    const foreign = createAuthSerializer({ key: stranger.key, certificate: stranger.certificate, trustedCertificates: [] });
    const message = (id: string, serializer: Serializer = auth, args: unknown[] = [20, 22]): TransportMessage =>
      encodeTaskMessage({ id, task: 'proj.add', args }, { serializer });
    const tampered = message('bad-tampered', auth, [1, 2]);
    const raw = Buffer.from(Buffer.from(tampered.body).toString('latin1'), 'base64');
    raw[raw.indexOf('[[1,2]') + 2] = '7'.charCodeAt(0);
    const envelopes = [
      messageToEnvelope({ ...tampered, body: Buffer.from(raw.toString('base64')) }),
      messageToEnvelope(message('bad-unsigned', jsonSerializer)),
      messageToEnvelope(message('bad-foreign', foreign)),
      messageToEnvelope(message('good-1')),
      messageToEnvelope(message('good-2', auth, ['tq', '+celery'])),
    ];
    const run = python('worker', { key: tqSigner.keyFile, certificate: tqSigner.certFile, cert_store: store, envelopes, wait_for: ['good-1', 'good-2'], timeout: 30 });
    expect(run.outcomes).toEqual({ 'good-1': { state: 'SUCCESS', result: 42 }, 'good-2': { state: 'SUCCESS', result: 'tq+celery' } });
    expect(run.left_in_queue).toBe(0);
  });
});
