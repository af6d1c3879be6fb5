import { packageBuild } from '../../tooling/tsup.preset.js';

// pool-child is the entry threads and prefork children load; it must exist as its own file in dist/.
export default packageBuild({ index: 'src/index.ts', 'pool-child': 'src/pools/child/pool-child.ts' });
