import { type App, createApp } from '@tq/core';
import { loadApp } from './load-app.js';
import { registerInstalledAdapters, registerInstalledSerializers } from './register-adapters.js';

export interface ComposeOptions {
  /** Path of the module exporting the app (`-A`). Without it, a bare app that can send tasks by name. */
  appModule?: string;
  /** Broker URL; wins over the app's config (Celery's rule for the command line). */
  broker?: string;
  /** Result backend URL; wins over the app's config. */
  resultBackend?: string;
}

/**
 * Builds the app the way the `tq` command does: installed adapters registered by URL scheme, the user's module
 * loaded, command-line URLs applied. Use it to compose a worker in code with the same rules as the CLI.
 */
export async function composeApp(options: ComposeOptions): Promise<{ app: App; appModule: string | undefined }> {
  await registerInstalledAdapters();
  const { app, path } = options.appModule ? await loadApp(options.appModule) : { app: createApp(), path: undefined };
  await registerInstalledSerializers(app);
  if (options.broker || options.resultBackend) {
    app.configure({
      ...(options.broker ? { broker: options.broker } : {}),
      ...(options.resultBackend ? { backend: options.resultBackend } : {}),
    });
  }
  return { app, appModule: path };
}
