import type { Binding, ExchangeDeclaration, QueueDeclaration } from '@tq/core';
import type { Channel } from 'amqplib';
import type { AdminChannel } from './admin-channel.js';
import { missingEntity } from './errors.js';
import type { Live } from './connection.js';
import type { ResolvedTransportOptions } from './options.js';
import { deadLetterQueueName, planDeadLetterQueue, planQueue, type QueuePlan } from './queue-plan.js';

/**
 * Declares queues, exchanges and bindings, and remembers them so a new connection can declare them again
 * (auto-delete queues and bindings do not survive a broker restart; a durable queue may have been deleted).
 */
export class Topology {
  private readonly queues = new Map<string, QueuePlan>();
  private readonly exchanges = new Map<string, ExchangeDeclaration>();
  private readonly bindings = new Map<string, Binding>();
  /** Dead-letter queues known to exist (client mode declares them lazily for queues declared elsewhere). */
  private readonly deadLetterQueues = new Set<string>();

  constructor(
    private readonly admin: AdminChannel,
    private readonly options: ResolvedTransportOptions,
  ) {}

  plan(queue: string): QueuePlan | undefined {
    return this.queues.get(queue);
  }

  async declareQueue(declaration: QueueDeclaration, signal?: AbortSignal): Promise<QueuePlan> {
    const plan = planQueue(declaration, this.options);
    const what = `declare queue '${plan.name}'`;
    // Broker mode needs the dead-letter queue before anything is rejected (RabbitMQ drops what routes nowhere);
    // client mode makes it on the first reject, so queues nobody rejects from get no companion.
    if (plan.deadLetterQueue && this.options.deadLetter === 'broker') await this.ensureDeadLetterQueue(planDeadLetterQueue(plan), signal);
    await this.admin.run(what, (channel) => assertQueue(channel, plan), signal);
    this.queues.set(plan.name, plan);
    if (this.options.declareQueueExchange && plan.durable && !plan.autoDelete) {
      // Celery declares Queue(name, Exchange(name, 'direct'), routing_key=name) for every task queue.
      await this.declareExchange({ name: plan.name, type: 'direct', durable: true }, signal);
      await this.bindQueue({ exchange: plan.name, queue: plan.name, routingKey: plan.name }, signal);
    }
    return plan;
  }

  async declareExchange(declaration: ExchangeDeclaration, signal?: AbortSignal): Promise<void> {
    await this.admin.run(`declare exchange '${declaration.name}'`, (channel) => assertExchange(channel, declaration), signal);
    this.exchanges.set(declaration.name, declaration);
  }

  async bindQueue(binding: Binding, signal?: AbortSignal): Promise<void> {
    await this.admin.run(
      `bind queue '${binding.queue}' to '${binding.exchange}'`,
      (channel) => channel.bindQueue(binding.queue, binding.exchange, binding.routingKey),
      signal,
    );
    this.bindings.set(`${binding.exchange}\u0000${binding.queue}\u0000${binding.routingKey}`, binding);
  }

  /** The dead-letter queue of `queue`, declared if this transport has not seen it yet (client mode). */
  async deadLetterQueueFor(queue: string, signal?: AbortSignal): Promise<string> {
    const plan = this.queues.get(queue);
    const name = plan?.deadLetterQueue ?? deadLetterQueueName(queue);
    if (!this.deadLetterQueues.has(name)) {
      await this.ensureDeadLetterQueue(planDeadLetterQueue({ ...(plan ?? planQueue({ name: queue }, this.options)), deadLetterQueue: name }), signal);
    }
    return name;
  }

  /** Uses a dead-letter queue that already exists as it is (the user may have declared it); declares it otherwise. */
  private async ensureDeadLetterQueue(deadPlan: QueuePlan, signal?: AbortSignal): Promise<void> {
    const what = `declare dead-letter queue '${deadPlan.name}'`;
    const exists = await this.admin.run(what, (channel) => channel.checkQueue(deadPlan.name), signal).then(
      () => true,
      (error: unknown) => {
        if (missingEntity((error as Error).cause)?.kind === 'queue') return false;
        throw error;
      },
    );
    if (!exists) await this.admin.run(what, (channel) => assertQueue(channel, deadPlan), signal);
    this.deadLetterQueues.add(deadPlan.name);
  }

  /** Forget that a dead-letter queue exists (it was deleted under us); the next reject declares it again. */
  forgetDeadLetterQueue(name: string): void {
    this.deadLetterQueues.delete(name);
  }

  forgetQueue(queue: string): void {
    this.queues.delete(queue);
    this.deadLetterQueues.delete(queue);
    for (const [key, binding] of this.bindings) if (binding.queue === queue) this.bindings.delete(key);
  }

  /** Setup hook: declares everything again on a new connection. A refused item is skipped, not fatal. */
  readonly replay = async (live: Live): Promise<void> => {
    const steps: ((channel: Channel) => Promise<unknown>)[] = [];
    for (const exchange of this.exchanges.values()) steps.push((channel) => assertExchange(channel, exchange));
    for (const name of this.deadLetterQueues) {
      const source = [...this.queues.values()].find((plan) => plan.deadLetterQueue === name);
      if (source) steps.push((channel) => assertQueue(channel, planDeadLetterQueue(source)));
    }
    for (const plan of this.queues.values()) steps.push((channel) => assertQueue(channel, plan));
    for (const binding of this.bindings.values()) {
      steps.push((channel) => channel.bindQueue(binding.queue, binding.exchange, binding.routingKey));
    }
    await runSteps(live, steps);
  };
}

/** Runs declaration steps on one channel, opening a fresh one after a step the broker refused. */
export async function runSteps(live: Live, steps: ((channel: Channel) => Promise<unknown>)[]): Promise<void> {
  let channel: Channel | undefined;
  for (const step of steps) {
    if (!channel) {
      channel = await live.model.createChannel();
      channel.on('error', () => {});
    }
    try {
      await step(channel);
    } catch (error) {
      if ((error as { code?: unknown }).code === undefined) throw error;
      channel = undefined;
    }
  }
  await channel?.close().catch(() => {});
}

export function assertQueue(channel: Channel, plan: QueuePlan) {
  return channel.assertQueue(plan.name, { durable: plan.durable, autoDelete: plan.autoDelete, arguments: plan.arguments });
}

function assertExchange(channel: Channel, exchange: ExchangeDeclaration) {
  return channel.assertExchange(exchange.name, exchange.type, { durable: exchange.durable ?? true });
}
