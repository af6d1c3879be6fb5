import { readdirSync, readFileSync, existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { defineConfig } from 'vitest/config';

const root = resolve(import.meta.dirname, '..');

/**
 * Tests run against the packages' TypeScript sources, not their builds: every `@tq/*` import is aliased to the
 * file its package exports under the `@tq/source` condition, so a test never sees a stale `dist/`.
 */
function sourceAliases() {
  const aliases: { find: RegExp; replacement: string }[] = [];
  for (const group of ['packages', 'apps']) {
    const dir = join(root, group);
    if (!existsSync(dir)) continue;
    for (const name of readdirSync(dir)) {
      const manifestPath = join(dir, name, 'package.json');
      if (!existsSync(manifestPath)) continue;
      const manifest = JSON.parse(readFileSync(manifestPath, 'utf8'));
      for (const [subpath, target] of Object.entries<any>(manifest.exports ?? {})) {
        const source = typeof target === 'object' ? target['@tq/source'] : undefined;
        if (!source) continue;
        const specifier = subpath === '.' ? manifest.name : `${manifest.name}/${subpath.slice(2)}`;
        aliases.push({ find: new RegExp(`^${specifier.replace(/[/.]/g, '\\$&')}$`), replacement: join(dir, name, source) });
      }
    }
  }
  return aliases;
}

export function packageTests(overrides: { testTimeout?: number; fileParallelism?: boolean } = {}) {
  return defineConfig({
    resolve: { alias: sourceAliases() },
    test: {
      include: ['test/**/*.test.ts'],
      testTimeout: overrides.testTimeout ?? 20_000,
      hookTimeout: 30_000,
      fileParallelism: overrides.fileParallelism ?? true,
      reporters: ['default'],
    },
  });
}
