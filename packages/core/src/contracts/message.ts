/**
 * A broker message in the shape every broker can carry and Celery expects. The body is already serialized (and
 * compressed, when a `compression` header says so); transports move it without looking inside.
 */
export interface TransportMessage {
  body: Uint8Array;
  /** MIME type of the serialized body, e.g. `application/json`. */
  contentType: string;
  /** `utf-8` for text serializers, `binary` for msgpack and the like. */
  contentEncoding: string;
  /** Celery's message headers (`task`, `id`, `eta`, ...) plus any custom ones. JSON-compatible values only. */
  headers: Record<string, unknown>;
  properties: MessageProperties;
}

export interface MessageProperties {
  /** The task id, on task messages. */
  correlationId?: string;
  /** The client's reply queue (RPC backend) or oid. */
  replyTo?: string;
  /** 2 = persistent (the default for tasks), 1 = transient. */
  deliveryMode?: 1 | 2;
  /** 0..255 as sent; each transport maps it to what its broker supports. */
  priority?: number;
  /** Per-message TTL in milliseconds, as a string (AMQP's form). */
  expiration?: string;
  /** Where the message was published; filled by the transport on delivery. */
  deliveryInfo?: DeliveryInfo;
  /** Transport-specific extra properties that must survive a round trip (e.g. kombu's `delivery_tag`). */
  [extra: string]: unknown;
}

export interface DeliveryInfo {
  exchange: string;
  routingKey: string;
  redelivered?: boolean;
  priority?: number;
}
