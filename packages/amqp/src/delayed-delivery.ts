import { ErrorCodes, TqError } from '@tq/core';
import type { Channel } from 'amqplib';
import type { AdminChannel } from './admin-channel.js';
import type { Live } from './connection.js';
import { runSteps } from './topology.js';

/**
 * Broker-side delays with no plugin and nothing held unacknowledged (so RabbitMQ's consumer_timeout never fires),
 * the same idea as Celery 5.5's native delayed delivery, in milliseconds and for any destination queue:
 *
 * - LEVELS levels. Level L is a topic exchange `<prefix>.L` and a queue `<prefix>.L` whose messages all live
 *   2^L ms (`x-message-ttl`) and are then dead-lettered to exchange `<prefix>.(L-1)`; level 0 dead-letters to
 *   `<prefix>.deliver`. One TTL per queue means its messages expire in arrival order (no head-of-line blocking).
 * - A delayed message is published to the top level with routing key `<bit L-1>.….<bit 0>.<queue>`: the delay in
 *   binary, most significant bit first, one word per level. Exchange L routes a message whose bit L is 1 into its
 *   queue (binding `*.….*.1.#`) and one whose bit L is 0 straight on to exchange L-1 (exchange-to-exchange binding
 *   `*.….*.0.#`). Dead-lettering keeps the routing key, so the message visits exactly the levels of its set bits
 *   and spends the sum of their TTLs, i.e. the delay.
 * - `<prefix>.deliver` is bound to each destination queue with LEVELS `*` words followed by the queue name, an
 *   exact match, created when a delay to that queue is first published.
 *
 * Consumers see such a message with a level exchange (the last dead-letter hop); the transport reports it as the default exchange
 * and the plain queue name, and drops the `x-death` records of the hops (a re-published copy carrying them would
 * trip RabbitMQ's dead-letter cycle detection and be dropped).
 */
export const LEVELS = 36;
/** 2^36 - 1 ms, about 795 days. Longer delays are clamped; the task's eta header still says when to run it. */
export const MAX_DELAY_MS = 2 ** LEVELS - 1;
const MAX_ROUTING_KEY_BYTES = 255;

export interface DelayedDeliveryConfig {
  prefix: string;
  queueType: 'classic' | 'quorum';
}

export class DelayedDelivery {
  private installedGeneration = -1;
  private readonly destinations = new Set<string>();

  constructor(
    private readonly admin: AdminChannel,
    private readonly config: DelayedDeliveryConfig,
  ) {}

  get deliverExchange(): string {
    return `${this.config.prefix}.deliver`;
  }

  get entryExchange(): string {
    return this.level(LEVELS - 1);
  }

  /** The routing key that carries `delayMs` to `queue`; throws TQ_NOT_SUPPORTED for names topic routing cannot carry. */
  routingKey(delayMs: number, queue: string): string {
    const ms = Math.min(MAX_DELAY_MS, Math.max(1, Math.ceil(delayMs)));
    const bits = ms.toString(2).padStart(LEVELS, '0').split('').join('.');
    const key = `${bits}.${queue}`;
    if (Buffer.byteLength(key) > MAX_ROUTING_KEY_BYTES || queue.split('.').some((word) => word === '*' || word === '#')) {
      throw new TqError(
        ErrorCodes.NOT_SUPPORTED,
        `delayed publish to queue '${queue}': the name must be at most ${MAX_ROUTING_KEY_BYTES - LEVELS * 2} bytes and contain no '*' or '#' word`,
        { details: { queue } },
      );
    }
    return key;
  }

  /** Makes sure the levels exist on this connection and `queue` is bound to the deliver exchange. */
  async prepare(queue: string, generation: number, signal?: AbortSignal): Promise<void> {
    if (this.installedGeneration !== generation) {
      await this.admin.run('declare delayed-delivery levels', (channel) => this.declareLevels(channel), signal);
      this.installedGeneration = generation;
    }
    if (!this.destinations.has(queue)) {
      await this.admin.run(`bind queue '${queue}' for delayed delivery`, (channel) => this.bindDestination(channel, queue), signal);
      this.destinations.add(queue);
    }
  }

  /** Setup hook: after a reconnect, declare again if this transport used delays before. */
  readonly replay = async (live: Live): Promise<void> => {
    if (this.installedGeneration < 0) return;
    const steps: ((channel: Channel) => Promise<unknown>)[] = [(channel) => this.declareLevels(channel)];
    for (const queue of this.destinations) steps.push((channel) => this.bindDestination(channel, queue));
    await runSteps(live, steps);
    this.installedGeneration = live.generation;
  };

  private level(level: number): string {
    return `${this.config.prefix}.${level}`;
  }

  private async declareLevels(channel: Channel): Promise<void> {
    const quorum = this.config.queueType === 'quorum';
    await channel.assertExchange(this.deliverExchange, 'topic', { durable: true });
    for (let level = LEVELS - 1; level >= 0; level -= 1) {
      await channel.assertExchange(this.level(level), 'topic', { durable: true });
    }
    for (let level = LEVELS - 1; level >= 0; level -= 1) {
      const name = this.level(level);
      const next = level > 0 ? this.level(level - 1) : this.deliverExchange;
      const args: Record<string, unknown> = { 'x-message-ttl': 2 ** level, 'x-dead-letter-exchange': next };
      // Quorum queues dead-letter at-least-once only with reject-publish overflow (RabbitMQ 3.10+).
      if (quorum) Object.assign(args, { 'x-queue-type': 'quorum', 'x-overflow': 'reject-publish', 'x-dead-letter-strategy': 'at-least-once' });
      await channel.assertQueue(name, { durable: true, arguments: args });
      const skip = '*.'.repeat(LEVELS - 1 - level);
      await channel.bindQueue(name, name, `${skip}1.#`);
      await channel.bindExchange(next, name, `${skip}0.#`);
    }
  }

  private async bindDestination(channel: Channel, queue: string): Promise<void> {
    await channel.bindQueue(queue, this.deliverExchange, `${'*.'.repeat(LEVELS)}${queue}`);
  }

  /**
   * If a consumed message came through the delay levels: its real routing key (the queue name). Such a message
   * reports the dead-letter exchange of the last level it waited in (`<prefix>.N` or `<prefix>.deliver`).
   */
  originalRoutingKey(exchange: string, routingKey: string): string | undefined {
    const prefix = `${this.config.prefix}.`;
    if (!exchange.startsWith(prefix)) return undefined;
    const suffix = exchange.slice(prefix.length);
    if (suffix !== 'deliver' && !/^\d+$/.test(suffix)) return undefined;
    const words = routingKey.split('.');
    if (words.length <= LEVELS || words.slice(0, LEVELS).some((word) => word !== '0' && word !== '1')) return undefined;
    return words.slice(LEVELS).join('.');
  }
}
