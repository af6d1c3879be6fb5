import { type ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { encodeTaskMessage, jsonSerializer } from '@tq/core';
import { afterAll, afterEach, describe, expect, test } from 'vitest';
import { sqsQueueName } from '../src/index.js';
import { counts, credentials, endpoint, makeTransport, queueName, queueUrl, rawClient, sleep, sqsUp } from './helpers.js';

const ROOT = resolve(import.meta.dirname, '../../..');
const BIN = join(ROOT, 'apps/worker/src/bin.ts');
const TASKS = join(import.meta.dirname, 'fixtures/worker-tasks.ts');
const workerAvailable = existsSync(BIN);
if (!workerAvailable) console.warn('\n!!! SKIPPING the SQS worker-process tests: apps/worker (the tq command) is not there !!!\n');

const dir = mkdtempSync(join(tmpdir(), 'tq-sqs-worker-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface WorkerProcess {
  child: ChildProcess;
  log: () => string;
}

const started: WorkerProcess[] = [];
afterEach(async () => {
  for (const { child } of started.splice(0)) {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      await once(child, 'exit');
    }
  }
});

/** Runs `tq worker` (apps/worker, TypeScript sources) as its own process, as a user would. */
async function startWorker(brokerUrl: string, queue: string): Promise<WorkerProcess> {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', '--conditions=@tq/source', BIN, 'worker', '-A', TASKS, '--broker', brokerUrl, '-c', '1', '-Q', queue, '-l', 'info'],
    { cwd: ROOT, env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let log = '';
  child.stdout!.on('data', (chunk) => (log += String(chunk)));
  child.stderr!.on('data', (chunk) => (log += String(chunk)));
  const worker = { child, log: () => log };
  started.push(worker);
  const deadline = Date.now() + 30_000;
  while (!log.includes('consuming')) {
    if (child.exitCode !== null || Date.now() > deadline) throw new Error(`tq worker did not start:\n${log}`);
    await sleep(100);
  }
  return worker;
}

function markerLines(marker: string): string[] {
  return existsSync(marker) ? readFileSync(marker, 'utf8').trim().split('\n').filter(Boolean) : [];
}

async function waitForLine(marker: string, line: string, timeoutMs: number, workers: WorkerProcess[]): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!markerLines(marker).includes(line)) {
    if (Date.now() > deadline) {
      throw new Error(`no "${line}" in ${marker} after ${timeoutMs} ms: ${markerLines(marker).join(', ')}\n${workers.map((w) => w.log()).join('\n---\n')}`);
    }
    await sleep(100);
  }
}

async function publishSlowTask(queue: string, marker: string, ms: number): Promise<void> {
  const transport = makeTransport();
  try {
    const message = encodeTaskMessage({ id: randomUUID(), task: 'sqs.slow', args: [marker, ms] }, { serializer: jsonSerializer });
    await transport.publish(message, { queue });
  } finally {
    await transport.close();
  }
}

async function expectQueueEmpty(queue: string): Promise<void> {
  const client = rawClient();
  const url = await queueUrl(client, sqsQueueName(queue));
  const deadline = Date.now() + 5_000;
  let seen = await counts(client, url);
  while ((seen.ready !== 0 || seen.inFlight !== 0) && Date.now() < deadline) {
    await sleep(100);
    seen = await counts(client, url);
  }
  expect(seen).toEqual({ ready: 0, inFlight: 0, delayed: 0 });
}

async function deleteQueue(queue: string): Promise<void> {
  const transport = makeTransport();
  await transport.deleteQueue(queue).catch(() => undefined);
  await transport.close();
}

function brokerUrl(visibilitySeconds: number): string {
  return `sqs://${credentials.accessKeyId}:${credentials.secretAccessKey}@${new URL(endpoint).host}?region=us-east-1&visibilityTimeout=${visibilitySeconds}&waitTimeSeconds=2`;
}

describe.skipIf(!sqsUp || !workerAvailable)('tq worker processes on SQS', () => {
  test('a worker SIGKILLed mid-task: the message comes back after the visibility timeout and another worker completes it', async () => {
    const queue = queueName('sigkill');
    const marker = join(dir, `${randomUUID()}.log`);
    try {
      const url = brokerUrl(3);
      const first = await startWorker(url, queue);
      await publishSlowTask(queue, marker, 1_500);
      await waitForLine(marker, `start ${first.child.pid}`, 20_000, [first]);
      first.child.kill('SIGKILL');
      await once(first.child, 'exit');
      const second = await startWorker(url, queue);
      await waitForLine(marker, `done ${second.child.pid}`, 20_000, [second]);
      expect(markerLines(marker)).toEqual([`start ${first.child.pid}`, `start ${second.child.pid}`, `done ${second.child.pid}`]);
      await expectQueueEmpty(queue);
    } finally {
      await deleteQueue(queue);
    }
  }, 60_000);

  test('a task longer than the visibility timeout runs once, with two workers on the queue', async () => {
    const queue = queueName('long-task');
    const marker = join(dir, `${randomUUID()}.log`);
    try {
      // The worker renews held leases every 10 s (by 30 s); a 12 s lease needs that renewal, a 20 s task needs two.
      const url = brokerUrl(12);
      const workers = [await startWorker(url, queue), await startWorker(url, queue)];
      await publishSlowTask(queue, marker, 20_000);
      const deadline = Date.now() + 45_000;
      while (!markerLines(marker).some((line) => line.startsWith('done '))) {
        if (Date.now() > deadline) throw new Error(`the task did not finish: ${markerLines(marker).join(', ')}`);
        await sleep(200);
      }
      await sleep(3_000); // a second delivery would start within this window
      const lines = markerLines(marker);
      expect(lines.filter((line) => line.startsWith('start '))).toHaveLength(1);
      expect(lines.filter((line) => line.startsWith('done '))).toHaveLength(1);
      await expectQueueEmpty(queue);
      expect(workers.every((w) => w.child.exitCode === null)).toBe(true);
    } finally {
      await deleteQueue(queue);
    }
  }, 90_000);
});
