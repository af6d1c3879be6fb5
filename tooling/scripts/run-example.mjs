#!/usr/bin/env node
// `pnpm example`: the README's quick start. Starts a worker on the embedded SQLite default, runs the example
// client against it, prints the results, then stops the worker with SIGTERM (warm shutdown).
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '../..');
const dir = mkdtempSync(join(tmpdir(), 'tq-example-'));
const env = { ...process.env, TQ_BROKER_URL: `sqlite://${join(dir, 'tq.db')}` };
const node = ['--import', 'tsx', '--conditions=@tq/source'];
const run = (args, options = {}) => spawn(process.execPath, [...node, ...args], { cwd: root, env, stdio: 'inherit', ...options });

console.log(`example: worker and client share ${env.TQ_BROKER_URL}`);
const worker = run(['apps/worker/src/bin.ts', 'worker', '-A', 'apps/worker/examples/tasks.ts', '-c', '8', '-l', 'warn']);
const client = run(['apps/worker/examples/client.ts']);
const clientCode = await new Promise((done) => client.on('exit', (code) => done(code ?? 1)));
worker.kill('SIGTERM');
const workerCode = await new Promise((done) => worker.on('exit', (code) => done(code ?? 1)));
rmSync(dir, { recursive: true, force: true });
console.log(`example: client exited ${clientCode}, worker exited ${workerCode} after a warm shutdown`);
process.exit(clientCode || workerCode);
