import { jsonSerializer } from '@tq/core';
import { serializerSuite } from '../src/index.js';
import { runner } from './runner.js';

serializerSuite(runner, { name: 'json (core)', create: () => jsonSerializer, samples: ['2024-01-01T12:00:00.531000'] });
