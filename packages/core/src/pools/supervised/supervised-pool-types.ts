import type { App } from '../../app/app.js';
import type { Logger } from '../../worker/logger.js';
import type { ChildEntry } from '../child/entry-location.js';
import type { ChildAppSettings } from '../child/protocol.js';
import type { ChildChannel } from './child-channel.js';
import type { PoolOptions } from './pool-options.js';

export interface SupervisedPoolSettings {
  name: string;
  app: App;
  appModule: string | undefined;
  concurrency: number;
  launch: (entry: ChildEntry) => ChildChannel;
  poolOptions?: PoolOptions;
  logger?: Logger;
  appSettings?: ChildAppSettings;
}

export interface SupervisedPoolStats {
  name: string;
  concurrency: number;
  running: number;
  idle: number;
  waiting: number;
  children: number;
  autoscale: { min: number; max: number } | undefined;
  /** Failed starts in a row (0 when the last start succeeded), and the last reason. */
  startupFailures: number;
  lastStartupError: string | undefined;
}
