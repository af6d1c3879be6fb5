import { afterEach, beforeEach, describe, test } from 'vitest';
import type { Runner } from '../src/index.js';

export const runner: Runner = { describe, test, skip: test.skip, beforeEach, afterEach };
