import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { resultBackendSuite, transportSuite } from '@tq/conformance';
import { afterAll, afterEach, beforeEach, describe, test } from 'vitest';
import { sqliteBackend, sqliteTransport } from '../src/index.js';

// One file for the whole suite: every instance create() returns must reach the same broker/store.
const dir = mkdtempSync(join(tmpdir(), 'tq-sqlite-conformance-'));
const url = `sqlite://${join(dir, 'tq.db')}`;
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const runner = { describe, test, skip: test.skip, beforeEach, afterEach };

transportSuite(runner, { name: 'sqlite', create: () => sqliteTransport(url) });
resultBackendSuite(runner, { name: 'sqlite', create: () => sqliteBackend(url) });
