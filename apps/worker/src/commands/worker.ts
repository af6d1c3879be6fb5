import { consoleLogger, createWorker, ErrorCodes, TqError } from '@tq/core';
import { composeApp } from '../compose.js';
import { parseCommand, printHelp } from '../cli-options.js';

export const WORKER_HELP = `tq worker -A MODULE [--broker URL] [--result-backend URL] [-P async|solo|threads|prefork] [-c N] [-Q q1,q2]
          [--autoscale MAX,MIN] [--max-tasks-per-child N] [--max-memory-per-child KIB]
  Runs a worker. SIGTERM or a first Ctrl-C: warm shutdown (finish running tasks, hand prefetched ones back).
  A second Ctrl-C: cold shutdown (stop now; unfinished tasks are redelivered by the broker).`;

export async function workerCommand(argv: string[]): Promise<number> {
  const { values } = parseCommand(argv, {
    pool: { type: 'string', short: 'P' },
    concurrency: { type: 'string', short: 'c' },
    queues: { type: 'string', short: 'Q' },
    hostname: { type: 'string', short: 'n' },
    'prefetch-multiplier': { type: 'string' },
    autoscale: { type: 'string' },
    'max-tasks-per-child': { type: 'string' },
    'max-memory-per-child': { type: 'string' },
  });
  if (values.help) return printHelp(WORKER_HELP);
  if (!values.app) throw new TqError(ErrorCodes.NO_APP, 'tq worker needs -A MODULE (the module that exports your app)');
  const { app, appModule } = await composeApp({ appModule: values.app, broker: values.broker, resultBackend: values['result-backend'] });
  const concurrency = values.concurrency === undefined ? undefined : Number(values.concurrency);
  if (concurrency !== undefined && !(Number.isInteger(concurrency) && concurrency > 0)) {
    throw new TqError(ErrorCodes.INVALID_CONFIG, `-c must be a positive integer, got ${values.concurrency}`);
  }
  const worker = createWorker({
    app,
    appModule,
    pool: values.pool,
    concurrency,
    queues: values.queues?.split(',').map((queue) => queue.trim()).filter(Boolean),
    hostname: values.hostname,
    prefetchMultiplier: values['prefetch-multiplier'] === undefined ? undefined : Number(values['prefetch-multiplier']),
    logger: consoleLogger((values.loglevel as 'info' | undefined) ?? undefined),
    poolOptions: {
      autoscale: parseAutoscale(values.autoscale),
      maxTasksPerChild: positiveInteger('--max-tasks-per-child', values['max-tasks-per-child']),
      maxMemoryPerChildKb: positiveInteger('--max-memory-per-child', values['max-memory-per-child']),
    },
    appSettings: { broker: values.broker, backend: values['result-backend'] },
  });
  let interrupts = 0;
  const stopped = new Promise<void>((resolve) => {
    const stop = (force: boolean) => void worker.close({ force }).then(resolve, resolve);
    process.on('SIGTERM', () => stop(false));
    process.on('SIGINT', () => stop(++interrupts > 1));
  });
  await worker.start();
  await stopped;
  return 0;
}

function positiveInteger(flag: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const number = Number(value);
  if (!Number.isInteger(number) || number < 1) throw new TqError(ErrorCodes.INVALID_CONFIG, `${flag} must be a positive integer, got ${value}`);
  return number;
}

/** Celery's `--autoscale MAX,MIN`. */
function parseAutoscale(value: string | undefined): { max: number; min: number } | undefined {
  if (value === undefined) return undefined;
  const [max, min = '0'] = value.split(',');
  const parsed = { max: Number(max), min: Number(min) };
  if (!Number.isInteger(parsed.max) || !Number.isInteger(parsed.min) || parsed.max < 1 || parsed.min < 0 || parsed.min > parsed.max) {
    throw new TqError(ErrorCodes.INVALID_CONFIG, `--autoscale must be MAX,MIN with 0 <= MIN <= MAX, got ${value}`);
  }
  return parsed;
}
