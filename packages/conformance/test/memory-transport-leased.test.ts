import { MemoryBroker, memoryTransport } from '@tq/core';
import { transportSuite } from '../src/index.js';
import { runner } from './runner.js';

// The same transport with leases and a size limit turns on the cases the default one skips.
const broker = new MemoryBroker();
transportSuite(runner, {
  name: 'memory with leases and a 256 KiB limit',
  create: () => memoryTransport({ broker, visibilityTimeoutMs: 30_000, maxMessageBytes: 256 * 1024 }),
});
