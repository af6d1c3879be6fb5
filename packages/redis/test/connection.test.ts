import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ErrorCodes } from '@tq/core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { RedisResultBackend, RedisTransport } from '../src/index.js';
import { message, redisUp, take } from './helpers.js';
import { PrivateRedis, PrivateSentinel } from './private-redis.js';

describe.skipIf(!redisUp)('connections and credentials (private redis-server with a password)', () => {
  let server: PrivateRedis;
  beforeAll(async () => {
    server = await PrivateRedis.start({ password: 'right-one' });
  });
  afterAll(async () => {
    await server?.stop();
  });

  test('a refused password fails connect() at once with TQ_BROKER_REFUSED (reason auth)', async () => {
    const transport = new RedisTransport({ url: `redis://:wrong@127.0.0.1:${server.port}/0`, connectTimeoutMs: 5000 });
    const started = Date.now();
    await expect(transport.connect()).rejects.toMatchObject({ code: ErrorCodes.BROKER_REFUSED, details: { reason: 'auth' } });
    expect(Date.now() - started).toBeLessThan(4000);
    await transport.close();
  });

  test('no password where one is required fails with TQ_BROKER_REFUSED too', async () => {
    const backend = new RedisResultBackend({ url: `redis://127.0.0.1:${server.port}/0`, connectTimeoutMs: 5000 });
    await expect(backend.connect()).rejects.toMatchObject({ code: ErrorCodes.BROKER_REFUSED });
    await backend.close();
  });

  test('the right password works, with the database from the URL', async () => {
    const transport = new RedisTransport({ url: `redis://:right-one@127.0.0.1:${server.port}/5` });
    await transport.publish(message('authenticated'), { queue: 'q' });
    const [delivery] = await take(transport.consume(['q'])[Symbol.asyncIterator](), 1);
    await delivery!.ack();
    await transport.close();
  });

  test('an unreachable server fails connect() with a retryable TQ_CONNECTION_LOST after connectTimeoutMs', async () => {
    const transport = new RedisTransport({ url: 'redis://127.0.0.1:1/0', connectTimeoutMs: 500 });
    await expect(transport.connect()).rejects.toMatchObject({ code: ErrorCodes.CONNECTION_LOST, retryable: true });
    await transport.close();
  });
});

describe.skipIf(!redisUp)('Sentinel (private redis-server and sentinel)', () => {
  test('redis+sentinel:// finds the master through the sentinel and works end to end', async () => {
    const master = await PrivateRedis.start();
    const sentinel = await PrivateSentinel.start(master);
    const url = `redis+sentinel://127.0.0.1:${sentinel.port}/0?master_name=mymaster`;
    const transport = new RedisTransport({ url });
    const backend = new RedisResultBackend({ url });
    try {
      await transport.publish(message('via sentinel'), { queue: 'q' });
      const [delivery] = await take(transport.consume(['q'])[Symbol.asyncIterator](), 1, 10_000);
      await delivery!.ack();
      await backend.store('s1', { status: 'SUCCESS', result: 1, traceback: null, children: [], date_done: null, task_id: 's1' });
      expect(await backend.waitFor('s1', { timeoutMs: 5000 })).toMatchObject({ result: 1 });
    } finally {
      await transport.close();
      await backend.close();
      await sentinel.stop();
      await master.stop();
    }
  }, 30_000);
});

describe.skipIf(!redisUp)('TLS (private redis-server with a self-signed certificate)', () => {
  let server: PrivateRedis;
  let dir: string;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'tq-tls-'));
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1',
      '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem')], { stdio: 'ignore' });
    server = await PrivateRedis.start({ tls: { cert: join(dir, 'cert.pem'), key: join(dir, 'key.pem') } });
  });
  afterAll(async () => {
    await server?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  test.each([
    ['verifying against ssl_ca_certs', (port: number) => `rediss://127.0.0.1:${port}/0?ssl_ca_certs=${encodeURIComponent(join(dir, 'cert.pem'))}`],
    ['with ssl_cert_reqs=CERT_NONE', (port: number) => `rediss://127.0.0.1:${port}/0?ssl_cert_reqs=CERT_NONE`],
  ])('rediss:// works %s', async (_label, url) => {
    const transport = new RedisTransport({ url: url(server.port) });
    try {
      await transport.publish(message('over tls'), { queue: 'q' });
      const [delivery] = await take(transport.consume(['q'])[Symbol.asyncIterator](), 1, 10_000);
      await delivery!.ack();
    } finally {
      await transport.close();
    }
  });

  test('rediss:// refuses a certificate it cannot verify at once, with TQ_BROKER_REFUSED (reason tls)', async () => {
    const transport = new RedisTransport({ url: `rediss://127.0.0.1:${server.port}/0`, connectTimeoutMs: 5000 });
    await expect(transport.connect()).rejects.toMatchObject({ code: ErrorCodes.BROKER_REFUSED, details: { reason: 'tls' } });
    await transport.close();
  });
});
