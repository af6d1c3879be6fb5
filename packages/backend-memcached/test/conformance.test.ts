import { memcachedBackend } from '@tq/backend-memcached';
import { resultBackendSuite } from '@tq/conformance';
import { afterAll, afterEach, beforeAll, beforeEach, describe, test } from 'vitest';
import { MEMCACHED_URL, memcachedUp, uniqueName } from './helpers.js';

const keyPrefix = `${uniqueName('conf')}.`;

describe.skipIf(!memcachedUp)('memcached (127.0.0.1:11211)', () => {
  resultBackendSuite(
    { describe, test, skip: test.skip, beforeAll, afterAll, beforeEach, afterEach },
    {
      name: 'memcached',
      // Anything the suite does not forget expires in two minutes (memcached cannot list keys to clean up).
      create: () => memcachedBackend({ url: MEMCACHED_URL, keyPrefix, expiresMs: 120_000 }),
    },
  );
});
