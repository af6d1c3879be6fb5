import { serializerSuite } from '@tq/conformance';
import { createYamlSerializer } from '@tq/serializer-yaml';
import { afterAll, afterEach, beforeAll, beforeEach, describe, test } from 'vitest';

serializerSuite(
  { describe, test, skip: test.skip, beforeAll, afterAll, beforeEach, afterEach },
  {
    name: 'yaml',
    create: createYamlSerializer,
    samples: [
      1732406400123,
      2n ** 70n,
      new Uint8Array([0, 1, 254, 255]),
      new Date('2024-01-02T03:04:05.678Z'),
      ['yes', 'y', '0777', '1e3', '', 'tab\there', 'a\nb'],
      { nested: [1, 'two', null, true, 0.5, { deep: new Uint8Array([3]) }] },
    ],
  },
);
