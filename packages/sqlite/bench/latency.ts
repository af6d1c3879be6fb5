/**
 * Publish-to-delivery latency when producer and consumer are in different processes (polling) or the same process
 * (immediate wake). Not a test. Run from packages/sqlite:
 *   node --import tsx --conditions=@tq/source bench/latency.ts [samples=40] [gapMs=250]
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sqliteTransport } from '../src/index.js';

const message = (sentAt: number) => ({
  body: new TextEncoder().encode(String(sentAt)),
  contentType: 'text/plain',
  contentEncoding: 'utf-8',
  headers: {},
  properties: {},
});

if (process.argv[2] === '--consumer') {
  const [, , , url, samples] = process.argv as string[];
  const transport = sqliteTransport(url!);
  const latencies: number[] = [];
  for await (const delivery of transport.consume(['latency'])) {
    latencies.push(
      performance.timeOrigin + performance.now() - Number(new TextDecoder().decode(delivery.message.body)),
    );
    await delivery.ack();
    if (latencies.length === Number(samples)) break;
  }
  await transport.close();
  process.stdout.write(JSON.stringify(latencies));
} else {
  const samples = Number(process.argv[2] ?? 40);
  const gapMs = Number(process.argv[3] ?? 250);
  const dir = mkdtempSync(join(tmpdir(), 'tq-sqlite-latency-'));
  const url = `sqlite://${join(dir, 'latency.db')}`;
  const producer = sqliteTransport(url);
  await producer.connect();
  const now = () => performance.timeOrigin + performance.now();
  const summary = (label: string, values: number[]) => {
    const sorted = [...values].sort((a, b) => a - b);
    const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!.toFixed(2);
    console.log(
      `${label.padEnd(34)} p50 ${at(0.5)} ms  p90 ${at(0.9)} ms  max ${at(1)} ms  (${values.length} samples, ${gapMs} ms apart)`,
    );
  };

  const child = spawn(
    process.execPath,
    ['--import', 'tsx', '--conditions=@tq/source', 'bench/latency.ts', '--consumer', url, String(samples)],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  let output = '';
  child.stdout.on('data', (chunk) => {
    output += chunk;
  });
  const done = new Promise((resolve) => child.on('close', resolve));
  await new Promise((resolve) => setTimeout(resolve, 1500)); // let the child start and go idle
  for (let i = 0; i < samples; i++) {
    await producer.publish(message(now()), { queue: 'latency' });
    await new Promise((resolve) => setTimeout(resolve, gapMs));
  }
  await done;
  summary('other process (idle consumer polls)', JSON.parse(output));

  const local: number[] = [];
  const consumer = sqliteTransport(url);
  const iterator = consumer.consume(['latency'])[Symbol.asyncIterator]();
  for (let i = 0; i < samples; i++) {
    const next = iterator.next();
    await new Promise((resolve) => setTimeout(resolve, gapMs / 5));
    await producer.publish(message(now()), { queue: 'latency' });
    const { value } = await next;
    local.push(now() - Number(new TextDecoder().decode(value!.message.body)));
    await value!.ack();
  }
  summary('same process (in-process wake)', local);
  await consumer.close();
  await producer.close();
  rmSync(dir, { recursive: true, force: true });
}
