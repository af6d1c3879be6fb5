import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type AppConfig, createApp, silentLogger } from '@tq/core';
import { sqliteAdapter } from '@tq/sqlite';

/** A temp dir holding one SQLite broker file and the beat state file; `cleanup` closes apps and removes it. */
export function sandbox() {
  const dir = mkdtempSync(join(tmpdir(), 'tq-beat-'));
  const apps: ReturnType<typeof createApp>[] = [];
  return {
    dir,
    stateFile: join(dir, 'beat-state.json'),
    brokerUrl: `sqlite://${join(dir, 'broker.db')}`,
    app(config: AppConfig = {}) {
      const app = createApp({ broker: `sqlite://${join(dir, 'broker.db')}`, adapters: [sqliteAdapter], ...config });
      apps.push(app);
      return app;
    },
    async cleanup() {
      await Promise.all(apps.map((app) => app.close()));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A clock the test moves by hand. */
export function manualClock(startIso: string) {
  let now = Date.parse(startIso);
  return {
    now: () => now,
    set: (iso: string) => {
      now = Date.parse(iso);
    },
    advance: (ms: number) => {
      now += ms;
    },
  };
}

export const quiet = { logger: silentLogger };
