import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { ErrorCodes, TqError } from '../../errors/tq-error.js';
import { resolveTsxApi } from './typescript-loader.js';

/** What a pool starts in each thread or child process. */
export interface ChildEntry {
  /** pool-child.ts beside this file when tq runs from its sources, dist/pool-child.js in a build. */
  url: URL;
  /** Running from TypeScript sources (tq's own tests, `pnpm tq`): children need tsx and the @tq/source condition. */
  fromSource: boolean;
}

const SOURCE_CONDITION = '--conditions=@tq/source';

export function childEntry(): ChildEntry {
  const here = import.meta.url;
  const fromSource = /\.[cm]?ts$/.test(new URL(here).pathname);
  const url = new URL(fromSource ? './pool-child.ts' : './pool-child.js', here);
  if (!existsSync(fileURLToPath(url))) {
    throw new TqError(ErrorCodes.INVALID_CONFIG, `@tq/core is missing ${fileURLToPath(url)}, the entry of pool threads and child processes (a build without the pool-child entry)`);
  }
  return { url, fromSource };
}

/** Node options a child process of a source run needs; none for a build. */
export function sourceExecArgv(entry: ChildEntry, inherited: readonly string[]): string[] {
  if (!entry.fromSource) return [];
  const extra: string[] = [];
  if (!inherited.some((arg) => arg.includes('@tq/source'))) extra.push(SOURCE_CONDITION);
  if (!inherited.some((arg) => /(^|[/=])tsx/.test(arg))) extra.push('--import', tsxLoaderUrl());
  return extra;
}

/** A worker thread of a source run: the condition, plus a bootstrap that registers tsx before the .ts entry loads. */
export function threadBootstrap(entry: ChildEntry): { code: string; execArgv: string[] } {
  const api = resolveTsxApi(fileURLToPath(import.meta.url));
  if (!api) throw new TqError(ErrorCodes.INVALID_CONFIG, 'running @tq/core from its TypeScript sources needs tsx installed');
  const code = `import(${JSON.stringify(api)}).then((tsx) => { tsx.register(); return import(${JSON.stringify(entry.url.href)}); })`;
  return { code, execArgv: [SOURCE_CONDITION] };
}

function tsxLoaderUrl(): string {
  try {
    return pathToFileURL(createRequire(fileURLToPath(import.meta.url)).resolve('tsx')).href;
  } catch (error) {
    throw new TqError(ErrorCodes.INVALID_CONFIG, 'running @tq/core from its TypeScript sources needs tsx installed', { cause: error });
  }
}
