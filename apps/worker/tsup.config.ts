import { packageBuild } from '../../tooling/tsup.preset.js';

export default packageBuild({ index: 'src/index.ts', bin: 'src/bin.ts' });
