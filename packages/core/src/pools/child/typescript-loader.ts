import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ErrorCodes, TqError } from '../../errors/tq-error.js';

/** A variable, so bundlers leave the import alone: tsx belongs to the user's project, not to @tq/core. */
const TSX_API = 'tsx/esm/api';

export function isTypeScriptModule(path: string): boolean {
  return /\.[cm]?tsx?$/.test(path);
}

/**
 * Registers tsx in this thread or process so a TypeScript task module loads without a build step. tsx is looked
 * up from @tq/core first, then from the task module's own folder (where a project that writes tasks in TypeScript
 * has it installed).
 */
export async function registerTypeScript(appModule: string): Promise<void> {
  let api: { register: () => unknown };
  try {
    api = await import(TSX_API);
  } catch {
    const url = resolveTsxApi(appModule);
    if (!url) {
      throw new TqError(
        ErrorCodes.INVALID_CONFIG,
        `${appModule} is TypeScript; pools that load it in threads or child processes need tsx installed in its project (npm i -D tsx)`,
      );
    }
    api = await import(url);
  }
  api.register();
}

/** The URL of tsx's ESM API as resolved from `fromPath`, read from tsx's exports map; undefined when absent. */
export function resolveTsxApi(fromPath: string): string | undefined {
  try {
    const manifestPath = createRequire(fromPath).resolve('tsx/package.json');
    const manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as { exports?: Record<string, unknown> };
    const target = importTarget(manifest.exports?.['./esm/api']);
    return target ? pathToFileURL(join(dirname(manifestPath), target)).href : undefined;
  } catch {
    return undefined;
  }
}

function importTarget(entry: unknown): string | undefined {
  if (typeof entry === 'string') return entry;
  if (typeof entry !== 'object' || entry === null) return undefined;
  const conditions = entry as Record<string, unknown>;
  return importTarget(conditions.import) ?? importTarget(conditions.default);
}
