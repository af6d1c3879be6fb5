import { packageTests } from '../../tooling/vitest.preset.js';

export default packageTests();
