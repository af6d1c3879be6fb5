// One-off generator for package manifests (kept so new adapters start from the same shape).
import { writeFileSync, mkdirSync, existsSync } from 'node:fs';
import { join } from 'node:path';
const [dir, name, description, depsJson = '{}', peerJson = '{}', devJson = '{}'] = process.argv.slice(2);
const manifest = {
  name, version: '0.1.0', description, type: 'module', license: 'MIT', sideEffects: false,
  exports: { '.': { '@tq/source': './src/index.ts', types: './dist/index.d.ts', import: './dist/index.js' }, './package.json': './package.json' },
  main: './dist/index.js', types: './dist/index.d.ts', files: ['dist', 'README.md'],
  engines: { node: '>=20.10' }, publishConfig: { access: 'public' },
  scripts: { build: 'tsup', typecheck: 'tsc -p tsconfig.json', lint: 'biome lint --config-path=../../tooling src test', test: 'vitest run' },
  dependencies: JSON.parse(depsJson), peerDependencies: JSON.parse(peerJson), devDependencies: JSON.parse(devJson),
};
for (const k of ['dependencies', 'peerDependencies', 'devDependencies']) if (!Object.keys(manifest[k]).length) delete manifest[k];
mkdirSync(join(dir, 'src'), { recursive: true }); mkdirSync(join(dir, 'test'), { recursive: true });
writeFileSync(join(dir, 'package.json'), JSON.stringify(manifest, null, 2) + '\n');
writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify({ extends: '../../tooling/tsconfig.package.json', include: ['src', 'test', '*.ts'] }, null, 2) + '\n');
writeFileSync(join(dir, 'tsup.config.ts'), "import { packageBuild } from '../../tooling/tsup.preset.js';\n\nexport default packageBuild();\n");
writeFileSync(join(dir, 'vitest.config.ts'), "import { packageTests } from '../../tooling/vitest.preset.js';\n\nexport default packageTests();\n");
