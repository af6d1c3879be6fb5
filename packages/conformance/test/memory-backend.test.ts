import { memoryBackend } from '@tq/core';
import { resultBackendSuite } from '../src/index.js';
import { runner } from './runner.js';

resultBackendSuite(runner, { name: 'memory', create: () => memoryBackend() });
resultBackendSuite(runner, { name: 'memory with a 64 KiB limit', create: () => memoryBackend({ maxValueBytes: 64 * 1024 }) });
