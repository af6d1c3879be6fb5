import { copyFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import {
  authSerializerFromFiles,
  createApp,
  createAuthSerializer,
  encodeTaskMessage,
  ErrorCodes,
  jsonSerializer,
  type Serializer,
  testMode,
  type TransportMessage,
} from '@tq/core';
import { type TestIdentity, TestPki } from './pki.js';

/**
 * A worker that requires signatures (`accept: ['auth']`): signed tasks run; unsigned, tampered and foreign-signed
 * ones are dead-lettered with TQ_SECURITY, and the worker keeps running the next good signed task.
 */
const pki = new TestPki();
let current: TestIdentity;
let next: TestIdentity;
let stranger: TestIdentity;

beforeAll(() => {
  current = pki.identity('worker-current');
  next = pki.identity('worker-next');
  stranger = pki.identity('stranger');
});
afterAll(() => pki.close());

async function signedWorker(trusted: string[]) {
  const auth = createAuthSerializer({ key: current.key, certificate: current.certificate, trustedCertificates: trusted });
  const app = createApp({ broker: 'memory://', backend: null, serializers: [auth], taskSerializer: 'auth', accept: ['auth'] });
  const add = app.task('t.add', (a: number, b: number) => a + b);
  const tq = await testMode(app);
  await tq.transport.declareQueue({ name: 'celery' });
  const refusals: { message: string; code: unknown; reason: string }[] = [];
  const original = tq.worker.logger.error;
  tq.worker.logger.error = (message, fields) => {
    refusals.push({ message, code: fields?.code, reason: fields?.error instanceof Error ? fields.error.message : '' });
    original(message, fields);
  };
  /** Publishes a message, then a good signed task; the bad one is dead-lettered and the good one still runs. */
  const refusedThenAlive = async (message: TransportMessage) => {
    const deadBefore = await tq.transport.size('celery.dead');
    await tq.transport.publish(message, { queue: 'celery' });
    const after = await add.delay(20, 22);
    await tq.runUntilIdle();
    expect(await after.get({ timeout: 5 })).toBe(42);
    expect(await tq.transport.size('celery.dead')).toBe(deadBefore + 1);
    const refusal = refusals.at(-1);
    expect(refusal?.code).toBe(ErrorCodes.SECURITY);
    return refusal?.reason ?? '';
  };
  return { app, add, tq, refusedThenAlive };
}

function taskMessage(id: string, serializer: Serializer, args: unknown[] = [1, 2]): TransportMessage {
  return encodeTaskMessage({ id, task: 't.add', args }, { serializer });
}

describe('a worker that accepts only signed (auth) messages', () => {
  test('runs signed tasks end to end (createApp taskSerializer/accept auth)', async () => {
    const { add, tq } = await signedWorker([current.certificate]);
    const result = await add.delay(2, 3);
    await tq.runUntilIdle();
    expect(await result.get({ timeout: 5 })).toBe(5);
    expect(await tq.transport.size('celery.dead')).toBe(0);
    await tq.close();
  });

  test('retries are re-signed by the worker, and compressed signed messages decode', async () => {
    const { app, tq } = await signedWorker([current.certificate]);
    const retries: number[] = [];
    const flaky = app.task(
      't.flaky',
      function () {
        retries.push(this.request.retries);
        if (this.request.retries < 1) throw this.retry({ countdown: 1 });
        return 'signed twice';
      },
      { maxRetries: 2 },
    );
    const retried = await flaky.delay();
    const compressed = await app.tasks.get('t.add')?.applyAsync([4, 4], { compression: 'gzip' });
    await tq.runUntilIdle();
    expect(await retried.get({ timeout: 5 })).toBe('signed twice');
    expect(retries).toEqual([0, 1]);
    expect(await compressed?.get({ timeout: 5 })).toBe(8);
    expect(await tq.transport.size('celery.dead')).toBe(0);
    await tq.close();
  });

  test('refuses an unsigned JSON message with TQ_SECURITY and keeps running', async () => {
    const { tq, refusedThenAlive } = await signedWorker([current.certificate]);
    expect(await refusedThenAlive(taskMessage('unsigned-1', jsonSerializer))).toMatch(/^refusing unsigned message \(content type application\/json\)/);
    await tq.close();
  });

  test('refuses a tampered signed message', async () => {
    const { tq, refusedThenAlive } = await signedWorker([current.certificate]);
    const signer = createAuthSerializer({ key: current.key, certificate: current.certificate, trustedCertificates: [] });
    const good = taskMessage('tampered-1', signer, [1, 2]);
    const raw = Buffer.from(new TextDecoder().decode(good.body), 'base64');
    const at = raw.indexOf('[[1,2]') + 2; // the first argument
    expect(at).toBeGreaterThan(2);
    raw[at] = '9'.charCodeAt(0);
    const tampered = { ...good, body: new TextEncoder().encode(raw.toString('base64')) };
    expect(await refusedThenAlive(tampered)).toMatch(/^signature does not verify/);
    await tq.close();
  });

  test('refuses a message signed by a certificate it does not trust', async () => {
    const { tq, refusedThenAlive } = await signedWorker([current.certificate]);
    const foreign = createAuthSerializer({ key: stranger.key, certificate: stranger.certificate, trustedCertificates: [] });
    expect(await refusedThenAlive(taskMessage('foreign-1', foreign))).toMatch(/^unknown signer "US tq tests stranger/);
    await tq.close();
  });

  test('key rotation: trusting the current and the next certificate, tasks signed with either run', async () => {
    const { app, tq } = await signedWorker([current.certificate, next.certificate]);
    const ids: string[] = [];
    for (const identity of [current, next]) {
      const client = createAuthSerializer({ key: identity.key, certificate: identity.certificate, trustedCertificates: [] });
      const id = `rotated-${identity.name}`;
      ids.push(id);
      await tq.transport.publish(taskMessage(id, client, [identity.name.length, 1]), { queue: 'celery' });
    }
    await tq.runUntilIdle();
    expect(await app.AsyncResult(ids[0] as string).get({ timeout: 5 })).toBe(current.name.length + 1);
    expect(await app.AsyncResult(ids[1] as string).get({ timeout: 5 })).toBe(next.name.length + 1);
    expect(await tq.transport.size('celery.dead')).toBe(0);
    await tq.close();
  });

  test('authSerializerFromFiles reads Celery-style settings: key, certificate, a cert-store directory or pattern', () => {
    const store = join(pki.dir, 'store');
    mkdirSync(store, { recursive: true });
    for (const identity of [current, next]) copyFileSync(identity.certFile, join(store, `${identity.name}.pem`));
    const fromDir = authSerializerFromFiles({ keyFile: current.keyFile, certificateFile: current.certFile, certStore: store });
    expect(fromDir.trusted.size).toBe(2);
    const fromPattern = authSerializerFromFiles({ certStore: `${pki.dir}/worker-*.pem` });
    expect(fromPattern.trusted.ids().sort()).toEqual(fromDir.trusted.ids().sort());
    expect(fromPattern.decode(fromDir.encode([[1], {}, {}]))).toEqual([[1], {}, {}]);
    expect(() => authSerializerFromFiles({ certStore: `${pki.dir}/nothing-*.pem` })).toThrow(/no certificate files/);
    // A key file in the store is not a certificate: refused at startup, naming the file.
    expect(() => authSerializerFromFiles({ certStore: current.keyFile })).toThrow(/worker-current\.key: not an X\.509 certificate/);
  });
});
