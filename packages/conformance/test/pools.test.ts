import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, beforeEach, describe, test } from 'vitest';
import { createPool, silentLogger } from '@tq/core';
import { poolSuite } from '@tq/conformance';
import { app } from './fixtures/pool-tasks.js';

const runner = { describe, test, skip: test.skip, beforeAll, afterAll, beforeEach, afterEach };
const appModule = fileURLToPath(new URL('./fixtures/pool-tasks.ts', import.meta.url));

for (const name of ['async', 'solo', 'threads', 'prefork']) {
  poolSuite(runner, {
    name,
    app,
    appModule,
    create: (context) => createPool(name, { ...context, logger: silentLogger }),
  });
}
