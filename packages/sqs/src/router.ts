import { ErrorCodes, TqError, type Binding, type ExchangeDeclaration, type PublishOptions } from '@tq/core';
import type { Route } from './envelope.js';

export interface Target extends Route {
  queues: string[];
}

/**
 * Direct exchanges as kombu's SQS transport has them: a routing table kept in this process (SQS has no exchanges).
 * A message for an exchange this process declared goes to the queues bound with its routing key; for the default
 * exchange ('') to the queue the routing key names. An exchange never declared here is refused.
 */
export class DirectRouter {
  private readonly bindings = new Map<string, Map<string, Set<string>>>();

  declare(exchange: ExchangeDeclaration): void {
    if (exchange.type !== 'direct') {
      throw new TqError(ErrorCodes.NOT_SUPPORTED, `SQS has no ${exchange.type} exchanges (only direct routing to queues); see capabilities`, {
        details: { exchange: exchange.name, type: exchange.type },
      });
    }
    if (!this.bindings.has(exchange.name)) this.bindings.set(exchange.name, new Map());
  }

  bind(binding: Binding): void {
    let table = this.bindings.get(binding.exchange);
    if (!table) {
      table = new Map();
      this.bindings.set(binding.exchange, table);
    }
    let queues = table.get(binding.routingKey);
    if (!queues) {
      queues = new Set();
      table.set(binding.routingKey, queues);
    }
    queues.add(binding.queue);
  }

  /** Where a publish goes. No queue (a declared exchange with no matching binding) means the message is dropped, as AMQP does. */
  route(options: PublishOptions): Target {
    if (options.queue) {
      return { queues: [options.queue], exchange: options.exchange ?? '', routingKey: options.routingKey ?? options.queue };
    }
    const exchange = options.exchange ?? '';
    const routingKey = options.routingKey;
    if (routingKey === undefined || routingKey === '') {
      throw new TqError(ErrorCodes.INVALID_CONFIG, 'publish needs a queue, or a routing key (SQS routes by queue name)', { details: { exchange } });
    }
    if (exchange === '') return { queues: [routingKey], exchange, routingKey };
    const table = this.bindings.get(exchange);
    if (!table) {
      throw new TqError(
        ErrorCodes.BROKER_REFUSED,
        `exchange ${exchange} was not declared: SQS has no exchanges, so tq keeps direct-exchange bindings in the process that declares them`,
        { details: { exchange, routingKey } },
      );
    }
    return { queues: [...(table.get(routingKey) ?? [])], exchange, routingKey };
  }
}
