#!/usr/bin/env node
// Enforces DESIGN.md §1's dependency rules on every package's src/ (tests may reach into tooling/test-support):
//  - @tq/core imports nothing but node: built-ins and its own files;
//  - every bare import is declared in the package's dependencies or peerDependencies;
//  - adapters import no other adapter (only @tq/core); @tq/conformance imports no adapter; nothing imports an app;
//  - only package entry points are imported: no `@tq/x/src/...`, no relative path leaving the package.
import { readdirSync, readFileSync, statSync, existsSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { join, relative, resolve, dirname, sep } from 'node:path';

const root = resolve(import.meta.dirname, '../..');
const builtins = new Set(builtinModules);
const problems = [];

function packagesIn(group) {
  const dir = join(root, group);
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .map((name) => join(dir, name))
    .filter((dir) => existsSync(join(dir, 'package.json')))
    .map((dir) => ({ dir, group, manifest: JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) }));
}

function sourceFiles(dir) {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return /\.(ts|mts|js|mjs)$/.test(name) && !name.endsWith('.d.ts') ? [path] : [];
  });
}

const IMPORT = /(?:^|[\s;])(?:import|export)\s[^'"]*?from\s*['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)|(?:^|[\s;])import\s*['"]([^'"]+)['"]/gm;

const all = [...packagesIn('packages'), ...packagesIn('apps')];
const appNames = new Set(all.filter((p) => p.group === 'apps').map((p) => p.manifest.name));

for (const { dir, group, manifest } of all) {
  const name = manifest.name;
  const declared = new Set([...Object.keys(manifest.dependencies ?? {}), ...Object.keys(manifest.peerDependencies ?? {})]);
  for (const file of sourceFiles(join(dir, 'src'))) {
    const text = readFileSync(file, 'utf8');
    for (const match of text.matchAll(IMPORT)) {
      const specifier = match[1] ?? match[2] ?? match[3];
      const where = `${relative(root, file)}: '${specifier}'`;
      if (specifier.startsWith('.')) {
        const target = resolve(dirname(file), specifier);
        if (!target.startsWith(dir + sep)) problems.push(`${where} leaves the package (import other packages by name)`);
        continue;
      }
      if (specifier.startsWith('node:')) continue;
      if (builtins.has(specifier.split('/')[0])) {
        problems.push(`${where} — use the node: prefix for built-ins`);
        continue;
      }
      const pkg = specifier.startsWith('@') ? specifier.split('/').slice(0, 2).join('/') : specifier.split('/')[0];
      if (/\/src(\/|$)/.test(specifier.slice(pkg.length))) problems.push(`${where} reaches into another package's src/`);
      if (name === '@tq/core') {
        problems.push(`${where} — @tq/core depends on no npm package`);
        continue;
      }
      if (appNames.has(pkg)) problems.push(`${where} — nothing imports an app`);
      if (pkg.startsWith('@tq/') && pkg !== '@tq/core' && pkg !== name && group === 'packages') {
        problems.push(`${where} — ${name === '@tq/conformance' ? 'the conformance kit' : 'an adapter'} imports no other adapter`);
      }
      if (!declared.has(pkg) && pkg !== name) problems.push(`${where} is not declared in ${name}'s dependencies or peerDependencies`);
    }
  }
  for (const dep of Object.keys(manifest.dependencies ?? {})) {
    if (name === '@tq/core') problems.push(`@tq/core declares a runtime dependency: ${dep}`);
  }
}

if (problems.length) {
  console.error(`dependency rules: ${problems.length} problem(s)\n  ${problems.join('\n  ')}`);
  process.exit(1);
}
console.log(`dependency rules: ${all.length} packages checked, no problems`);
