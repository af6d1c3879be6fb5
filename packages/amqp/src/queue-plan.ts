import type { QueueDeclaration } from '@tq/core';
import { ErrorCodes, TqError } from '@tq/core';
import type { ResolvedTransportOptions } from './options.js';

/** Everything needed to declare one queue the same way every time (first declaration and after reconnects). */
export interface QueuePlan {
  name: string;
  durable: boolean;
  autoDelete: boolean;
  arguments: Record<string, unknown>;
  queueType: 'classic' | 'quorum';
  /** Where rejected messages go (client or broker mode); undefined when dead-lettering is off for this queue. */
  deadLetterQueue: string | undefined;
}

export function deadLetterQueueName(queue: string): string {
  return `${queue}.dead`;
}

export function planQueue(declaration: QueueDeclaration, options: ResolvedTransportOptions): QueuePlan {
  const name = declaration.name;
  const args: Record<string, unknown> = { ...declaration.arguments };
  const autoDelete = declaration.autoDelete ?? false;
  const declaredType = args['x-queue-type'];
  // Auto-delete (broadcast) queues cannot be quorum queues.
  const queueType: 'classic' | 'quorum' =
    declaredType === 'quorum' || declaredType === 'classic' ? declaredType : autoDelete ? 'classic' : options.queueType;
  let durable = declaration.durable ?? true;

  if (queueType === 'quorum') {
    args['x-queue-type'] = 'quorum';
    durable = true;
    if (options.deliveryLimit !== undefined && args['x-delivery-limit'] === undefined) args['x-delivery-limit'] = options.deliveryLimit;
    if (declaration.maxPriority) {
      throw new TqError(
        ErrorCodes.INVALID_CONFIG,
        `queue '${name}': quorum queues have no x-max-priority (RabbitMQ 3.x has no quorum priorities; 4.x has two fixed levels). ` +
          'Drop maxPriority or use a classic queue.',
        { details: { queue: name } },
      );
    }
  } else if (declaration.maxPriority !== undefined && declaration.maxPriority > 0) {
    if (!Number.isInteger(declaration.maxPriority) || declaration.maxPriority > 255) {
      throw new TqError(ErrorCodes.INVALID_CONFIG, `queue '${name}': maxPriority must be an integer 1..255 (RabbitMQ recommends at most 10)`);
    }
    args['x-max-priority'] = declaration.maxPriority;
  }

  let deadLetterQueue: string | undefined;
  if (!autoDelete && options.deadLetter !== 'off') {
    deadLetterQueue = declaration.deadLetterQueue ?? deadLetterQueueName(name);
    if (options.deadLetter === 'broker') {
      // The default exchange routes by queue name, so no extra exchange is needed.
      args['x-dead-letter-exchange'] ??= '';
      args['x-dead-letter-routing-key'] ??= deadLetterQueue;
    }
  }
  return { name, durable, autoDelete, arguments: args, queueType, deadLetterQueue };
}

/** The dead-letter queue itself: same type as its source, no dead-letter arguments of its own. */
export function planDeadLetterQueue(source: QueuePlan): QueuePlan {
  return {
    name: source.deadLetterQueue!,
    durable: true,
    autoDelete: false,
    arguments: source.queueType === 'quorum' ? { 'x-queue-type': 'quorum' } : {},
    queueType: source.queueType,
    deadLetterQueue: undefined,
  };
}
