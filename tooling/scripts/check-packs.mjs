#!/usr/bin/env node
// Proves the published shape of the packages: each is built and packed as npm would publish it, installed alone in an
// empty project (pnpm's isolated layout, so an undeclared dependency fails to resolve), then imported, type-checked
// and used: @tq/core alone runs a task in test mode; @tq/core + @tq/sqlite run a worker on a database file.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '../..');
const work = mkdtempSync(join(tmpdir(), 'tq-packs-'));
const run = (command, args, cwd, extraEnv = {}) =>
  execFileSync(command, args, { cwd, stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, ...extraEnv }, encoding: 'utf8' });

function pack(name) {
  const before = new Set(readdirSync(work));
  run('pnpm', ['--filter', name, 'pack', '--pack-destination', work], root);
  const tarball = readdirSync(work).find((file) => file.endsWith('.tgz') && !before.has(file));
  if (!tarball) throw new Error(`pnpm pack produced no tarball for ${name}`);
  return join(work, tarball);
}

function project(label, tarballs, files) {
  const dir = join(work, label);
  execFileSync('mkdir', ['-p', dir]);
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: `pack-check-${label}`, private: true, type: 'module' }));
  writeFileSync(join(dir, 'pnpm-workspace.yaml'), 'onlyBuiltDependencies:\n  - better-sqlite3\n');
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  run('pnpm', ['add', ...tarballs], dir);
  run('pnpm', ['add', '-D', `typescript@${require_('typescript/package.json').version}`, `@types/node@${require_('@types/node/package.json').version}`], dir);
  run(join(dir, 'node_modules/.bin/tsc'), ['--noEmit', '--strict', '--module', 'nodenext', '--moduleResolution', 'nodenext', '--target', 'es2022', '--skipLibCheck', 'false', '--types', 'node', 'check.ts'], dir);
  const output = run(process.execPath, ['run.mjs'], dir);
  process.stdout.write(`packs: ${label}: ${output}`);
}

function require_(id) {
  return JSON.parse(execFileSync(process.execPath, ['-p', `JSON.stringify(require(${JSON.stringify(id)}))`], { cwd: root, encoding: 'utf8' }));
}

try {
  run('pnpm', ['--filter', '@tq/core', '--filter', '@tq/sqlite', 'run', 'build'], root);
  const core = pack('@tq/core');
  const sqlite = pack('@tq/sqlite');

  project('core-alone', [core], {
    'check.ts': `import { createApp, testMode, TqError, type Transport } from '@tq/core';
const app = createApp({ broker: 'memory://', backend: null });
const add = app.task('add', (x: number, y: number) => x + y);
// @ts-expect-error: the handle is typed by the handler
add.delay('1', 2);
const t: Transport | undefined = undefined;
export { app, add, t, testMode, TqError };
`,
    'run.mjs': `import { createApp, testMode } from '@tq/core';
const app = createApp({ broker: 'memory://', backend: null });
const add = app.task('add', (x, y) => x + y);
const tq = await testMode(app);
const result = await add.delay(20, 22);
await tq.runUntilIdle();
const value = await result.get({ timeout: 5 });
await tq.close();
if (value !== 42) throw new Error('expected 42, got ' + value);
console.log('core alone ran a task in test mode: ' + value);
`,
  });

  project('core-and-sqlite', [core, sqlite], {
    'check.ts': `import { createApp, createWorker } from '@tq/core';
import { sqliteAdapter, sqliteTransport, sqliteBackend } from '@tq/sqlite';
const app = createApp({ adapters: [sqliteAdapter], broker: sqliteTransport('sqlite://./check.db'), backend: sqliteBackend('sqlite://./check.db') });
export const worker = createWorker({ app });
`,
    'run.mjs': `import { createApp, createWorker, silentLogger } from '@tq/core';
import { sqliteAdapter } from '@tq/sqlite';
const app = createApp({ adapters: [sqliteAdapter], broker: 'sqlite://./packs.db' });
const mul = app.task('mul', (x, y) => x * y);
const worker = createWorker({ app, logger: silentLogger });
await worker.start();
const value = await mul.delay(6, 7).get({ timeout: 10 });
await worker.close();
if (value !== 42) throw new Error('expected 42, got ' + value);
console.log('core + sqlite ran a worker on a database file: ' + value);
`,
  });
} finally {
  rmSync(work, { recursive: true, force: true });
}
