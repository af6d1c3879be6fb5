import { existsSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { App, ErrorCodes, TqError } from '@tq/core';

let typescriptLoaderReady: Promise<void> | undefined;

/** TypeScript task modules load without a build step: tsx's loader is registered once, on first need. */
async function enableTypeScript(): Promise<void> {
  typescriptLoaderReady ??= import('tsx/esm/api').then(({ register }) => {
    register();
  });
  await typescriptLoaderReady;
}

/**
 * Loads the module given to `-A` and returns its app: the named export `app`, else the default export.
 * A missing file or a module with no app is a TqError with a one-line explanation.
 */
export async function loadApp(modulePath: string, cwd = process.cwd()): Promise<{ app: App; path: string }> {
  const path = isAbsolute(modulePath) ? modulePath : resolve(cwd, modulePath);
  if (!existsSync(path)) throw new TqError(ErrorCodes.NO_APP, `-A ${modulePath}: no such file (${path})`);
  if (/\.[cm]?tsx?$/.test(path)) await enableTypeScript();
  let loaded: Record<string, unknown>;
  try {
    loaded = await import(pathToFileURL(path).href);
  } catch (error) {
    throw new TqError(ErrorCodes.NO_APP, `-A ${modulePath}: the module failed to load: ${(error as Error).message}`, { cause: error });
  }
  const candidate = loaded.app ?? loaded.default;
  if (!App.isApp(candidate)) {
    throw new TqError(ErrorCodes.NO_APP, `-A ${modulePath}: the module exports no app (export const app = createApp(...), or a default export)`);
  }
  return { app: candidate, path };
}
