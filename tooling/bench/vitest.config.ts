import { packageTests } from '../vitest.preset.js';

export default packageTests({ testTimeout: 180_000 });
