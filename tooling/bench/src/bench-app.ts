import { type AdapterRegistration, type App, createApp, type Task, urlScheme } from '@tq/core';

/** What a process needs to build the bench app; plain JSON so the driver can hand it to a worker child. */
export interface AppSpec {
  brokerUrl: string;
  brokerOptions?: Record<string, unknown>;
  /** null: no result backend (W1, W2 without results). */
  backendUrl: string | null;
  backendOptions?: Record<string, unknown>;
  /** Where `add.delay()` sends (the app's default queue). */
  queue: string;
}

export const BENCH_TASK = 'bench.add';

type AddHandler = (x: number, y: number) => number;

/**
 * Only the adapters a URL needs are imported: loading @tq/sqs (the AWS SDK) or amqplib into a Redis worker would
 * inflate its memory and start-up for nothing.
 */
async function adapterFor(url: string): Promise<AdapterRegistration[]> {
  switch (urlScheme(url)) {
    case 'sqlite':
      return [(await import('@tq/sqlite')).sqliteAdapter];
    case 'redis':
      return [(await import('@tq/redis')).redisAdapter];
    case 'amqp':
      return [(await import('@tq/amqp')).amqpAdapter];
    case 'rpc':
      return [(await import('@tq/amqp')).rpcAdapter];
    case 'sqs':
      return [(await import('@tq/sqs')).sqsAdapter];
    default:
      throw new Error(`bench: no adapter for ${url}`);
  }
}

/** The app the bench sends to and works with: one no-op task `bench.add(x, y)`, as the peers' `add`. */
export async function createBenchApp(spec: AppSpec, handler: AddHandler = (x, y) => x + y): Promise<{ app: App; add: Task<AddHandler> }> {
  const adapters = await adapterFor(spec.brokerUrl);
  if (spec.backendUrl) adapters.push(...(await adapterFor(spec.backendUrl)));
  const app = createApp({
    name: 'tqbench',
    broker: spec.brokerUrl,
    backend: spec.backendUrl,
    brokerOptions: spec.brokerOptions,
    backendOptions: spec.backendOptions,
    adapters,
    defaultQueue: spec.queue,
    // As the Celery harness: results of the bench expire after 10 minutes even if a cleanup is missed.
    resultExpires: 600,
  });
  const add = app.task(BENCH_TASK, handler);
  return { app, add };
}
