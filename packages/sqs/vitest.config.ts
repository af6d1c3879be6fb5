import { mergeConfig } from 'vitest/config';
import { packageTests } from '../../tooling/vitest.preset.js';

// The SQS test server is started here when none is running (see test/global-setup.ts).
export default mergeConfig(packageTests({ testTimeout: 60_000 }), { test: { globalSetup: ['./test/global-setup.ts'] } });
