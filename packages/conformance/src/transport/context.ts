import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import type { BroadcastMessage, QueueDeclaration, Transport, TransportCapabilities } from '@tq/core';
import type { TransportSuiteOptions } from '../options.js';
import type { Fixture } from '../support/cases.js';
import { Receiver, type ReceiverOptions } from '../support/receiver.js';
import { format, type Timing } from '../support/timing.js';

/**
 * What one transport case works with: instances from the caller's factory, queue and exchange names no other
 * case (or concurrent run) uses, background receivers; all released by `cleanup`, which also deletes the queues.
 */
export class TransportContext implements Fixture {
  readonly timing: Timing;
  readonly capabilities: Readonly<TransportCapabilities>;
  readonly #options: TransportSuiteOptions;
  readonly #prefix = `tqconf.${randomBytes(6).toString('hex')}`;
  readonly #instances: Transport[] = [];
  readonly #queues = new Set<string>();
  readonly #receivers: Receiver[] = [];
  readonly #stoppers: (() => void)[] = [];

  constructor(options: TransportSuiteOptions, capabilities: Readonly<TransportCapabilities>, timing: Timing) {
    this.#options = options;
    this.capabilities = capabilities;
    this.timing = timing;
  }

  /** A new instance from the factory, checked to declare the capabilities the cases were chosen by. */
  async transport(): Promise<Transport> {
    const transport = await this.#options.create();
    this.#instances.push(transport);
    assert.deepStrictEqual(
      { ...transport.capabilities },
      { ...this.capabilities },
      'every instance create() returns must declare the same capabilities the suite was registered with',
    );
    return transport;
  }

  /** A queue name for this case (`tqconf.<random>.<label>`), deleted at cleanup. */
  queueName(label = 'q'): string {
    const name = `${this.#prefix}.${label}`;
    this.#queues.add(name);
    return name;
  }

  /** Declares a fresh queue (non-durable) and returns its name. */
  async queue(transport: Transport, label = 'q', declaration: Omit<QueueDeclaration, 'name'> = {}): Promise<string> {
    const name = this.queueName(label);
    await transport.declareQueue({ durable: false, ...declaration, name });
    return name;
  }

  exchangeName(label: string): string {
    return `${this.#prefix}.${label}`;
  }

  /** Starts a background consumer, stopped at cleanup. */
  receive(transport: Transport, queues: string | readonly string[], options: ReceiverOptions = {}): Receiver {
    const receiver = new Receiver(transport, typeof queues === 'string' ? [queues] : queues, options);
    this.#receivers.push(receiver);
    return receiver;
  }

  /** Subscribes in the background; `received` fills as broadcasts arrive. */
  subscribe(transport: Transport, exchange: string): { received: BroadcastMessage[]; failure: () => unknown; stop: () => void } {
    const abort = new AbortController();
    const received: BroadcastMessage[] = [];
    let failure: unknown;
    this.#stoppers.push(() => abort.abort());
    void (async () => {
      try {
        for await (const message of transport.subscribe(exchange, { signal: abort.signal })) received.push(message);
      } catch (error) {
        failure = error;
      }
    })();
    return { received, failure: () => failure, stop: () => abort.abort() };
  }

  async cleanup(): Promise<unknown[]> {
    const problems: unknown[] = [];
    for (const stop of this.#stoppers) stop();
    await Promise.all(this.#receivers.map((receiver) => receiver.halt(this.timing.ms(5_000))));
    if (this.#queues.size > 0) {
      try {
        await this.#deleteQueues();
      } catch (error) {
        problems.push(new Error(`deleting the case's queues failed: ${format(error)}`, { cause: error }));
      }
    }
    for (const transport of this.#instances) {
      try {
        await transport.close();
      } catch (error) {
        problems.push(new Error(`close() failed: ${format(error)}`, { cause: error }));
      }
    }
    return problems;
  }

  /** With an instance the case left open, or a fresh one when the case closed them all. */
  async #deleteQueues(): Promise<void> {
    const names = [...this.#queues];
    for (const transport of this.#instances) {
      try {
        for (const name of names) await transport.deleteQueue(name);
        return;
      } catch {
        // Closed by the case (or broken by it): try the next instance.
      }
    }
    const fresh = await this.#options.create();
    try {
      for (const name of names) await fresh.deleteQueue(name);
    } finally {
      await fresh.close();
    }
  }
}
