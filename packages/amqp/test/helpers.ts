import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { serviceAvailable, uniqueName } from '../../../tooling/test-support/services.js';
import { type AmqpTransport, type AmqpTransportOptions, createAmqpTransport, DELAY_LEVELS } from '../src/index.js';

export const AMQP_URL = process.env.AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672//';
export const rabbitUp = await serviceAvailable('rabbitmq', '127.0.0.1', 5672);
export { uniqueName };

const run = promisify(execFile);

export { bodyText as text, takeDeliveries as take, testMessage as message } from '@tq/conformance';

/** Calls next() and reports whether it resolved within `ms`; the call itself is returned to be awaited later. */
export async function nextWithin<T>(
  iterator: AsyncIterator<T>,
  ms: number,
): Promise<{ arrived: boolean; pending: Promise<IteratorResult<T>> }> {
  const pending = iterator.next();
  let timer: NodeJS.Timeout | undefined;
  const raced = await Promise.race([
    pending.then(() => true),
    new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), ms))),
  ]);
  clearTimeout(timer);
  return { arrived: raced, pending };
}

/** Tracks transports and queues a test creates and removes them afterwards. */
export class Fixture {
  private readonly transports: AmqpTransport[] = [];
  private readonly queues = new Set<string>();
  private readonly exchanges = new Set<string>();
  /** Delay levels private to this fixture, removed at cleanup if anything used them. */
  readonly delayPrefix = uniqueName('delay');

  transport(options: AmqpTransportOptions = {}): AmqpTransport {
    const created = createAmqpTransport({
      url: AMQP_URL,
      connectionTimeoutMs: 10_000,
      delayed: { prefix: this.delayPrefix },
      ...options,
    });
    this.transports.push(created);
    return created;
  }

  queue(prefix: string): string {
    const name = uniqueName(prefix);
    this.queues.add(name);
    this.queues.add(`${name}.dead`);
    this.exchanges.add(name);
    return name;
  }

  /** Remove a queue (and its same-named exchange) someone else created, with the rest. */
  adopt(queue: string): void {
    this.queues.add(queue);
    this.queues.add(`${queue}.dead`);
    this.exchanges.add(queue);
  }

  exchange(prefix: string): string {
    const name = uniqueName(prefix);
    this.exchanges.add(name);
    return name;
  }

  async cleanup(): Promise<void> {
    for (const transport of this.transports.splice(0)) await transport.close({ force: true }).catch(() => {});
    const { amqplib } = await import('../src/amqplib-loader.js');
    const connection = await amqplib.connect(AMQP_URL);
    const usedDelays = await withChannel(connection, (channel) => channel.checkExchange(`${this.delayPrefix}.deliver`));
    if (usedDelays) {
      for (let level = 0; level < DELAY_LEVELS; level += 1) {
        this.queues.add(`${this.delayPrefix}.${level}`);
        this.exchanges.add(`${this.delayPrefix}.${level}`);
      }
      this.exchanges.add(`${this.delayPrefix}.deliver`);
    }
    for (const queue of this.queues) await withChannel(connection, (channel) => channel.deleteQueue(queue));
    for (const exchange of this.exchanges) await withChannel(connection, (channel) => channel.deleteExchange(exchange));
    await connection.close();
    this.queues.clear();
    this.exchanges.clear();
  }
}

/** Runs one operation on its own channel (a refusal closes only that channel); true if it succeeded. */
async function withChannel(
  connection: import('amqplib').ChannelModel,
  fn: (channel: import('amqplib').Channel) => Promise<unknown>,
): Promise<boolean> {
  const channel = await connection.createChannel();
  channel.on('error', () => {});
  const ok = await fn(channel).then(
    () => true,
    () => false,
  );
  await channel.close().catch(() => {});
  return ok;
}

/** Closes every broker-side connection whose client named itself `name` (as an operator or a network fault would). */
export async function forceCloseConnections(name: string): Promise<number> {
  const { stdout } = await run('rabbitmqctl', ['-q', 'list_connections', 'pid', 'client_properties'], {
    timeout: 30_000,
  });
  const names = stdout
    .split('\n')
    .filter((line) => line.includes(`{"connection_name","${name}"}`))
    .map((line) => line.split('\t')[0]!);
  for (const connection of names)
    await run('rabbitmqctl', ['-q', 'close_connection', connection, 'tq test: forced close'], { timeout: 30_000 });
  return names.length;
}

export async function waitFor(
  condition: () => boolean | Promise<boolean>,
  timeoutMs = 10_000,
  what = 'condition',
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`${what} not met within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
