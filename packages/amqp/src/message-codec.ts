import type { MessageProperties, TransportMessage } from '@tq/core';
import type { Message, Options } from 'amqplib';
import { decodeHeaderTable, encodeHeaderTable } from './header-codec.js';

/** AMQP basic properties tq passes through besides the ones MessageProperties names. */
const EXTRA_PROPERTIES = ['messageId', 'timestamp', 'type', 'userId', 'appId'] as const;

/** Headers RabbitMQ adds when it dead-letters; dropped from messages that only passed the delay levels. */
const DEAD_LETTER_HEADERS = ['x-death', 'x-first-death-exchange', 'x-first-death-queue', 'x-first-death-reason', 'x-last-death-exchange', 'x-last-death-queue', 'x-last-death-reason'];

export interface PublishOverrides {
  priority?: number;
  expirationMs?: number;
  /** Drop the per-message TTL (delayed publishes: a TTL would fire inside the delay levels). */
  dropExpiration?: boolean;
  mandatory: boolean;
  dropDeathHeaders?: boolean;
}

/** The amqplib publish options carrying a TransportMessage: Celery's properties natively, headers as a table. */
export function toPublishOptions(message: TransportMessage, overrides: PublishOverrides): Options.Publish {
  const properties = message.properties ?? {};
  const headers = { ...message.headers };
  if (overrides.dropDeathHeaders) for (const name of DEAD_LETTER_HEADERS) delete headers[name];
  const publish: Options.Publish = {
    contentType: message.contentType,
    contentEncoding: message.contentEncoding,
    headers: encodeHeaderTable(headers),
    deliveryMode: properties.deliveryMode ?? 2,
    mandatory: overrides.mandatory,
  };
  const priority = overrides.priority ?? properties.priority;
  if (priority !== undefined) publish.priority = Math.max(0, Math.min(255, Math.trunc(priority)));
  if (properties.correlationId !== undefined) publish.correlationId = properties.correlationId;
  if (properties.replyTo !== undefined) publish.replyTo = properties.replyTo;
  const expiration = overrides.expirationMs !== undefined ? String(Math.max(0, Math.ceil(overrides.expirationMs))) : properties.expiration;
  if (expiration !== undefined && !overrides.dropExpiration) publish.expiration = expiration;
  for (const name of EXTRA_PROPERTIES) {
    const value = properties[name];
    if (value !== undefined && value !== null) (publish as Record<string, unknown>)[name] = value;
  }
  return publish;
}

export interface DeliveredRoute {
  exchange: string;
  routingKey: string;
  /** True when the message came through the delay levels (its route was rewritten back). */
  delayed: boolean;
}

/** A consumed amqplib message as a TransportMessage. */
export function fromAmqpMessage(message: Message, route: DeliveredRoute): TransportMessage {
  const props = message.properties;
  const headers = decodeHeaderTable(props.headers);
  if (route.delayed) for (const name of DEAD_LETTER_HEADERS) delete headers[name];
  const properties: MessageProperties = {
    deliveryInfo: {
      exchange: route.exchange,
      routingKey: route.routingKey,
      redelivered: message.fields.redelivered,
      ...(props.priority !== undefined ? { priority: props.priority } : {}),
    },
  };
  if (props.correlationId !== undefined) properties.correlationId = String(props.correlationId);
  if (props.replyTo !== undefined) properties.replyTo = String(props.replyTo);
  if (props.deliveryMode === 1 || props.deliveryMode === 2) properties.deliveryMode = props.deliveryMode;
  if (props.priority !== undefined) properties.priority = props.priority;
  if (props.expiration !== undefined) properties.expiration = String(props.expiration);
  for (const name of EXTRA_PROPERTIES) if (props[name] !== undefined) properties[name] = props[name];
  return {
    body: message.content,
    contentType: props.contentType === undefined ? '' : String(props.contentType),
    contentEncoding: props.contentEncoding === undefined ? '' : String(props.contentEncoding),
    headers,
    properties,
  };
}

/** Encoded size as RabbitMQ counts it against max_message_size (the body). */
export function bodySize(message: TransportMessage): number {
  return message.body.byteLength;
}
