import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { connect as netConnect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer, type Server } from 'node:tls';
import { ErrorCodes } from '@tq/core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createAmqpTransport } from '../src/index.js';
import { Fixture, message, rabbitUp, take, text } from './helpers.js';

/**
 * amqps:// end to end without touching the shared RabbitMQ's configuration: a TLS terminator of our own (a
 * throwaway self-signed certificate) in front of 127.0.0.1:5672.
 */
let dir: string;
let server: Server;
let port = 0;
const fx = new Fixture();

beforeAll(async () => {
  if (!rabbitUp) return;
  dir = mkdtempSync(join(tmpdir(), 'tq-amqps-'));
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=localhost', '-addext', 'subjectAltName=DNS:localhost', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem')], { stdio: 'ignore' });
  server = createServer({ key: readFileSync(join(dir, 'key.pem')), cert: readFileSync(join(dir, 'cert.pem')) }, (secure) => {
    const plain = netConnect(5672, '127.0.0.1');
    secure.pipe(plain).pipe(secure);
    const close = () => {
      secure.destroy();
      plain.destroy();
    };
    secure.on('error', close);
    plain.on('error', close);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as { port: number }).port;
});

afterAll(async () => {
  await fx.cleanup();
  server?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe.skipIf(!rabbitUp)('amqps:// (TLS)', () => {
  test('connects with cacertfile from the URL, publishes and consumes', async () => {
    const t = fx.transport({ url: `amqps://guest:guest@localhost:${port}//?cacertfile=${join(dir, 'cert.pem')}&heartbeat=30` });
    const queue = fx.queue('tls');
    await t.declareQueue({ name: queue });
    await t.publish(message('over tls'), { queue });
    const iterator = t.consume([queue])[Symbol.asyncIterator]();
    const [delivery] = await take(iterator, 1);
    expect(text(delivery!)).toBe('over tls');
    await delivery!.ack();
    await iterator.return!();
  });

  test('an untrusted certificate is refused (TQ_BROKER_REFUSED or TQ_CONNECTION_LOST), not ignored', async () => {
    const t = createAmqpTransport({ url: `amqps://guest:guest@localhost:${port}//`, connectionTimeoutMs: 1500, reconnect: { initialDelayMs: 100, maxDelayMs: 200 } });
    try {
      const error = await t.connect().catch((e: unknown) => e);
      expect([ErrorCodes.BROKER_REFUSED, ErrorCodes.CONNECTION_LOST]).toContain((error as { code?: string }).code);
    } finally {
      await t.close();
    }
  });

  test('verify=verify_none accepts it (for tests only)', async () => {
    const t = fx.transport({ url: `amqps://guest:guest@localhost:${port}//?verify=verify_none` });
    await t.connect();
    expect(t.connection.current).toBeDefined();
  });
});
