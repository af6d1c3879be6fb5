import { createBeat, DEFAULT_STATE_FILE } from '@tq/beat';
import { consoleLogger, ErrorCodes, TqError } from '@tq/core';
import { parseCommand, parseNumberOption, printHelp } from '../cli-options.js';
import { composeApp } from '../compose.js';

export const BEAT_HELP = `tq beat -A MODULE [--broker URL] [--schedule FILE] [--max-interval S] [-l LEVEL]
  Sends periodic tasks: the app's beatSchedule (every(seconds) / crontab(...) entries from @tq/beat). Run one beat
  per schedule; last-run times persist in --schedule (default ${DEFAULT_STATE_FILE}), locked against a second beat.
  SIGTERM or Ctrl-C stops it after saving the state.`;

export async function beatCommand(argv: string[]): Promise<number> {
  const { values } = parseCommand(argv, {
    schedule: { type: 'string', short: 's' },
    'max-interval': { type: 'string' },
  });
  if (values.help) return printHelp(BEAT_HELP);
  if (!values.app) throw new TqError(ErrorCodes.NO_APP, 'tq beat needs -A MODULE (the module that exports your app and its beatSchedule)');
  const maxInterval = parseNumberOption('max-interval', values['max-interval']);
  if (maxInterval === 0) throw new TqError(ErrorCodes.INVALID_CONFIG, '--max-interval must be more than 0 seconds');
  const { app } = await composeApp({ appModule: values.app, broker: values.broker, resultBackend: values['result-backend'] });
  try {
    const beat = createBeat({
      app,
      stateFile: values.schedule,
      logger: consoleLogger((values.loglevel as 'info' | undefined) ?? undefined),
      maxIntervalMs: maxInterval === undefined ? undefined : maxInterval * 1000,
    });
    const stopped = new Promise<void>((resolve) => {
      const stop = () => void beat.close().then(resolve, resolve);
      process.once('SIGTERM', stop);
      process.once('SIGINT', stop);
    });
    await beat.start();
    await stopped;
    return 0;
  } finally {
    await app.close();
  }
}
