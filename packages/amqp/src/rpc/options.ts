import type { Serializer } from '@tq/core';
import type { AmqpTransport } from '../transport.js';

export interface RpcResultBackendOptions {
  /** Share this transport's connection (what `rpc://` means: results travel over the broker). */
  transport?: AmqpTransport;
  /** Or connect on its own to this broker URL. One of `transport` / `url` is required. */
  url?: string;
  /** The reply queue, sent as each task's `reply_to`. @default a random UUID (Celery uses its app's oid) */
  replyQueue?: string;
  /** `x-expires` of the reply queue: it is deleted this long after its last consumer goes. @default 86_400_000 (Celery's result_expires) */
  expiresMs?: number;
  /** Delete the reply queue when its consumer goes, as Celery does. See README for the reconnect trade-off. @default true */
  autoDelete?: boolean;
  /** Publish results persistent (delivery_mode 2), Celery's `result_persistent`. @default false */
  persistent?: boolean;
  /** Encodes stored results. @default the core JSON serializer (kombu-compatible) */
  serializer?: Serializer;
  /** More serializers for decoding replies by their content type (e.g. msgpack from a Python worker). */
  serializers?: Serializer[];
  /** Results kept for task ids nobody has asked about yet; the oldest go first. @default 10_000 */
  maxBuffered?: number;
}
