import { serializerSuite } from '@tq/conformance';
import { createMsgpackSerializer } from '@tq/serializer-msgpack';
import { afterAll, afterEach, beforeAll, beforeEach, describe, test } from 'vitest';

serializerSuite(
  { describe, test, skip: test.skip, beforeAll, afterAll, beforeEach, afterEach },
  {
    name: 'msgpack',
    create: createMsgpackSerializer,
    samples: [
      1732406400123,
      2n ** 60n,
      -(2n ** 63n),
      new Uint8Array([0, 1, 254, 255]),
      { nested: [1, 'two', null, true, 0.5, { deep: new Uint8Array([3]) }] },
      '',
      {},
      [],
    ],
  },
);
