import { ErrorCodes, TqError } from '../errors/tq-error.js';
import { type MemoryResultBackend, memoryBackend } from '../testing/memory-backend.js';
import { type MemoryTransport, memoryTransport } from '../testing/memory-transport.js';
import { silentLogger, type Logger } from '../worker/logger.js';
import { Worker } from '../worker/worker.js';
import type { App } from './app.js';
import { sleep } from './sleep.js';

export interface TestModeOptions {
  concurrency?: number;
  /** Run ETA/countdown tasks at once instead of waiting for them. Default true. */
  fastForward?: boolean;
  logger?: Logger;
}

/**
 * Test mode: the app's broker and backend become in-process ones and a worker runs in this process, so an app's
 * tests exercise real messages (encoded, routed, retried, stored) with no server.
 *
 *   const tq = await testMode(app);
 *   const result = await add.delay(2, 3);
 *   await tq.runUntilIdle();
 *   expect(await result.get()).toBe(5);
 */
export class TestHarness implements AsyncDisposable {
  constructor(
    readonly app: App,
    readonly transport: MemoryTransport,
    readonly backend: MemoryResultBackend,
    readonly worker: Worker,
    private readonly fastForward: boolean,
  ) {}

  /** Runs queued tasks (and the tasks they send) until nothing is left; TQ_TIMEOUT if that takes over timeoutMs. */
  async runUntilIdle(options: { timeoutMs?: number } = {}): Promise<void> {
    const deadline = Date.now() + (options.timeoutMs ?? 10_000);
    let quietTicks = 0;
    while (quietTicks < 2) {
      if (this.fastForward) this.transport.releaseDelayed();
      const quiet = (await this.queuesEmpty()) && this.worker.activeCount === 0;
      quietTicks = quiet ? quietTicks + 1 : 0;
      if (Date.now() > deadline) {
        throw new TqError(ErrorCodes.TIMEOUT, `tasks were still running after ${options.timeoutMs ?? 10_000} ms`, { details: this.transport.stats() as unknown as Record<string, unknown> });
      }
      await sleep(quiet ? 0 : 1);
    }
  }

  /** Nothing ready in the worker's queues, nothing delayed or unacked anywhere (dead-letter queues may hold messages). */
  private async queuesEmpty(): Promise<boolean> {
    const { delayed, outstanding } = this.transport.stats();
    if (delayed > 0 || outstanding > 0) return false;
    for (const queue of this.worker.queues) if ((await this.transport.size(queue)) > 0) return false;
    return true;
  }

  async close(): Promise<void> {
    await this.worker.close();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }
}

export async function testMode(app: App, options: TestModeOptions = {}): Promise<TestHarness> {
  const transport = memoryTransport();
  const backend = memoryBackend();
  const fastForward = options.fastForward ?? true;
  const worker = new Worker({
    app,
    transport,
    backend,
    concurrency: options.concurrency ?? 8,
    logger: options.logger ?? silentLogger,
    eagerEta: fastForward,
  });
  await worker.start();
  return new TestHarness(app, transport, backend, worker, fastForward);
}
