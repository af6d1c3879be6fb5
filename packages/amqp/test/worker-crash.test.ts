import { type ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { createApp, createWorker, encodeTaskMessage, jsonSerializer } from '@tq/core';
import { afterEach, describe, expect, test } from 'vitest';
import { createRpcResultBackend } from '../src/index.js';
import { AMQP_URL, Fixture, forceCloseConnections, rabbitUp, uniqueName } from './helpers.js';

const fx = new Fixture();
const children: ChildProcess[] = [];
afterEach(async () => {
  for (const child of children.splice(0)) if (child.exitCode === null) child.kill('SIGKILL');
  await fx.cleanup();
});

const CHILD = fileURLToPath(new URL('./fixtures/tq-worker.ts', import.meta.url));

/** Starts a tq worker process; resolves once it consumes. `lines` collects its stdout. */
async function startChild(queue: string): Promise<{ child: ChildProcess; lines: string[]; waitForLine: (match: RegExp, ms: number) => Promise<string> }> {
  const child = spawn(process.execPath, ['--conditions=@tq/source', '--import', 'tsx', CHILD], {
    cwd: fileURLToPath(new URL('..', import.meta.url)),
    env: { ...process.env, AMQP_URL, QUEUE: queue },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  const lines: string[] = [];
  let errors = '';
  const listeners = new Set<() => void>();
  child.stdout!.on('data', (chunk: Buffer) => {
    lines.push(...chunk.toString().split('\n').filter(Boolean));
    for (const listener of listeners) listener();
  });
  child.stderr!.on('data', (chunk: Buffer) => (errors += chunk));
  const waitForLine = (match: RegExp, ms: number) =>
    new Promise<string>((resolve, reject) => {
      const check = () => {
        const line = lines.find((candidate) => match.test(candidate));
        if (!line) return;
        listeners.delete(check);
        clearTimeout(timer);
        resolve(line);
      };
      const timer = setTimeout(() => {
        listeners.delete(check);
        reject(new Error(`no line matching ${match} within ${ms} ms; stdout: ${lines.join(' | ')}; stderr: ${errors.slice(-2000)}`));
      }, ms);
      listeners.add(check);
      check();
    });
  await waitForLine(/^ready$/, 30_000);
  return { child, lines, waitForLine };
}

describe.skipIf(!rabbitUp)('worker failures (RabbitMQ)', () => {
  test('a worker SIGKILLed mid-task: the broker redelivers the task to another worker, which completes it', async () => {
    const queue = fx.queue('crash');
    const client = createRpcResultBackend({ transport: fx.transport() });
    await client.connect();
    try {
      const first = await startChild(queue);
      const id = randomUUID();
      const t = fx.transport();
      await t.publish(encodeTaskMessage({ id, task: 'proj.slow', args: [1500], replyTo: client.replyTo }, { serializer: jsonSerializer }), { queue });
      await first.waitForLine(new RegExp(`^started ${id} redelivered=false$`), 20_000);
      first.child.kill('SIGKILL');
      await new Promise((resolve) => first.child.once('exit', resolve));

      const second = await startChild(queue);
      await second.waitForLine(new RegExp(`^started ${id} redelivered=true$`), 20_000);
      const result = await client.waitFor(id, { timeoutMs: 20_000 });
      expect(result).toMatchObject({ status: 'SUCCESS', result: 1500 });
      second.child.kill('SIGTERM');
    } finally {
      await client.close();
    }
  }, 90_000);

  test('a running worker whose connection the server closes reconnects and keeps working by itself', async () => {
    const queue = fx.queue('resume');
    const name = uniqueName('worker-conn');
    const transport = fx.transport({ connectionName: name });
    const app = createApp({ name: 'resume', broker: transport, backend: createRpcResultBackend({ transport }), defaultQueue: queue });
    app.task('proj.add', (x: number, y: number) => x + y);
    const worker = createWorker({ app, queues: [queue], concurrency: 2 });
    await worker.start();
    const clientTransport = fx.transport();
    const client = createRpcResultBackend({ transport: clientTransport });
    const producer = createApp({ name: 'producer', broker: clientTransport, backend: client, defaultQueue: queue });
    try {
      await client.connect();
      expect(await producer.sendTask('proj.add', [1, 1]).get({ timeout: 20 })).toBe(2);
      expect(await forceCloseConnections(name)).toBe(1);
      // No restart, no intervention: the worker's consumer comes back on a new connection.
      expect(await producer.sendTask('proj.add', [2, 3]).get({ timeout: 30 })).toBe(5);
      expect(transport.connection.current?.generation).toBeGreaterThan(1);
    } finally {
      await worker.close();
      await client.close();
    }
  }, 90_000);
});
