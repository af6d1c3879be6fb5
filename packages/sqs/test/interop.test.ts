import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeTaskMessage, defaultCompressors, defaultSerializers, encodeTaskMessage, jsonSerializer } from '@tq/core';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { collect, endpoint, makeTransport, queueName, sleep, sqsUp } from './helpers.js';

const PYTHON = '/usr/bin/python3';
const FIXTURES = join(import.meta.dirname, 'fixtures');

function pythonReady(): boolean {
  try {
    execFileSync(PYTHON, ['-c', 'import celery, boto3, pycurl'], { stdio: 'ignore' });
    return true;
  } catch {
    const reason = 'Python Celery with SQS support is missing (apt-get install python3-celery python3-boto3 python3-pycurl)';
    if (process.env.CI === 'true') throw new Error(`${reason}; under CI=true this is a failure`);
    console.warn(`\n!!! SKIPPING the Celery-over-SQS interop tests: ${reason} !!!\n`);
    return false;
  }
}

const ready = sqsUp && pythonReady();

describe.skipIf(!ready)('interop with Python Celery 5.2 over SQS (kombu)', () => {
  const results = mkdtempSync(join(tmpdir(), 'tq-sqs-interop-'));
  const queue = queueName('interop');
  const { host } = new URL(endpoint);
  const env = { ...process.env, BROKER: `sqs://test:test@${host}`, RESULTS: results, QUEUE: queue, PYTHONPATH: FIXTURES };
  const transport = makeTransport();
  let worker: ChildProcess | undefined;
  let log = '';

  beforeAll(async () => {
    worker = spawn(PYTHON, ['-m', 'celery', '-A', 'celery_sqs_app', 'worker', '-P', 'solo', '--without-mingle', '--without-gossip', '--without-heartbeat', '-l', 'INFO', '-Q', queue], {
      env,
      cwd: FIXTURES,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const append = (chunk: Buffer) => {
      log += String(chunk);
    };
    worker.stdout!.on('data', append);
    worker.stderr!.on('data', append);
    const deadline = Date.now() + 30_000;
    while (!log.includes('ready.')) {
      if (worker.exitCode !== null || Date.now() > deadline) throw new Error(`the Celery worker did not start:\n${log}`);
      await sleep(100);
    }
  }, 40_000);

  afterAll(async () => {
    if (worker && worker.exitCode === null) {
      worker.kill('SIGTERM');
      await once(worker, 'exit');
    }
    await transport.deleteQueue(queue).catch(() => undefined);
    await transport.close();
    rmSync(results, { recursive: true, force: true });
  }, 30_000);

  async function celeryResult(id: string): Promise<Record<string, unknown>> {
    const deadline = Date.now() + 20_000;
    while (Date.now() < deadline) {
      try {
        return JSON.parse(readFileSync(join(results, `celery-task-meta-${id}`), 'utf8'));
      } catch {
        await sleep(200);
      }
    }
    throw new Error(`no Celery result for ${id}; worker log:\n${log}`);
  }

  test('a Celery worker runs a task tq sent, and stores its result', async () => {
    const id = randomUUID();
    const message = encodeTaskMessage({ id, task: 'interop.add', args: [2, 3] }, { serializer: jsonSerializer });
    await transport.publish(message, { queue });
    expect(await celeryResult(id)).toMatchObject({ status: 'SUCCESS', result: 5, task_id: id });
  });

  test('a Celery worker runs a task tq delayed with SQS DelaySeconds', async () => {
    const id = randomUUID();
    const sentAt = Date.now();
    const message = encodeTaskMessage({ id, task: 'interop.add', args: [40, 2] }, { serializer: jsonSerializer });
    await transport.publish(message, { queue, delayMs: 2_000 });
    expect(await celeryResult(id)).toMatchObject({ status: 'SUCCESS', result: 42 });
    const doneAt = Date.parse(`${(await celeryResult(id)).date_done as string}Z`);
    expect(doneAt - sentAt).toBeGreaterThanOrEqual(1_500);
  });

  test('tq receives and decodes a task a Celery producer sent through kombu', async () => {
    const tqQueue = queueName('from-celery');
    const id = execFileSync(PYTHON, [join(FIXTURES, 'celery_sqs_app.py'), 'send', 'tq.mul', '[6, 7]', tqQueue], { env, encoding: 'utf8' }).trim();
    const consumer = collect(transport, [tqQueue]);
    try {
      const [delivery] = await consumer.waitFor(1, 20_000);
      const task = decodeTaskMessage(delivery!.message, { serializers: defaultSerializers(), compressors: defaultCompressors(), accept: ['json'] });
      expect(task).toMatchObject({ id, task: 'tq.mul', args: [6, 7], protocol: 2 });
      expect(delivery!.message.properties.deliveryInfo).toMatchObject({ routingKey: tqQueue });
      await delivery!.ack();
    } finally {
      await consumer.stop();
      await transport.deleteQueue(tqQueue).catch(() => undefined);
    }
  });
});
