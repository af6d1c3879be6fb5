// The tq side of the interop tests: `tq worker -A apps/worker/test/interop/tq-app.ts` and `tq call -A ...`.
// Broker and result backend URLs come from --broker / --result-backend; the rest from the environment:
//   INTEROP_KEY_PREFIX        kombu's global_keyprefix for a Redis broker (the Python side uses the same)
//   INTEROP_RESULT_SERIALIZER msgpack: results stored in msgpack (Celery's result_serializer='msgpack')
import { createApp, type TaskContext } from '@tq/core';
import { msgpackSerializer } from '@tq/serializer-msgpack';

const keyPrefix = process.env.INTEROP_KEY_PREFIX;
const msgpackResults = process.env.INTEROP_RESULT_SERIALIZER === 'msgpack';

export const app = createApp({
  name: 'tq-interop',
  // msgpack is decoded because the tq command registers installed serializers; accept lets the worker use it.
  accept: ['json', 'msgpack'],
  ...(keyPrefix ? { brokerOptions: { keyPrefix } } : {}),
  // A backend that is read by key (Redis) must write what the Python client's result_serializer reads.
  ...(msgpackResults ? { backendOptions: { serializer: msgpackSerializer } } : {}),
});

/** A JS error with no Python counterpart: Python rebuilds an Exception subclass of the same name. */
class QuotaExceeded extends Error {
  override name = 'QuotaExceeded';
}

export const add = app.task('interop.add', (x: number, y: number) => x + y);

export const fail = app.task('interop.fail', (kind: 'type' | 'quota', detail: string) => {
  if (kind === 'type') throw new TypeError(`expected a number, got ${detail}`);
  throw new QuotaExceeded(`quota used up by ${detail}`);
});

/** Shows exactly what the handler received: kwargs arrive as one trailing object. */
export const echo = app.task('interop.echo', (...args: unknown[]) => ({ args }));

export const greet = app.task('interop.greet', (name: string, options: { greeting?: string; punctuation?: string } = {}) => {
  return `${options.greeting ?? 'Hello'}, ${name}${options.punctuation ?? '.'}`;
});

/** When the task ran, and the ETA the message carried. */
export const when = app.task('interop.when', function (this: TaskContext) {
  return { ranAt: Date.now(), eta: this.request.eta };
});

/**
 * A 13-digit millisecond timestamp, bytes echoed back with one more byte, what the bytes arrived as, a float, and
 * the message's `compression` header.
 */
export const stamp = app.task('interop.stamp', function (this: TaskContext, raw: unknown) {
  return {
    at: Date.now(),
    raw: raw instanceof Uint8Array ? Uint8Array.from([...raw, 0xff]) : null,
    got: raw instanceof Uint8Array ? 'Uint8Array' : typeof raw,
    half: 0.5,
    compression: this.request.headers.compression ?? null,
  };
});
