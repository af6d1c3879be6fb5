import { MemoryBroker, memoryTransport } from '@tq/core';
import { transportSuite } from '../src/index.js';
import { runner } from './runner.js';

// Instances from one factory share a broker, like connections to one server.
const broker = new MemoryBroker();
transportSuite(runner, { name: 'memory', create: () => memoryTransport({ broker }) });
