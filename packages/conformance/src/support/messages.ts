import assert from 'node:assert/strict';
import type { Delivery, TransportMessage } from '@tq/core';

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** Header every suite message carries, so a case can tell its messages apart whatever the body holds. */
export const TAG_HEADER = 'x-tqconf-tag';

/** A small message whose body is its tag: easy to recognise in a failure message. */
export function tagged(tag: string, overrides: Partial<TransportMessage> = {}): TransportMessage {
  return {
    body: encoder.encode(tag),
    contentType: 'text/plain',
    contentEncoding: 'utf-8',
    headers: { [TAG_HEADER]: tag, ...overrides.headers },
    properties: { correlationId: tag, deliveryMode: 2, ...overrides.properties },
    ...(overrides.body ? { body: overrides.body } : {}),
    ...(overrides.contentType ? { contentType: overrides.contentType } : {}),
    ...(overrides.contentEncoding ? { contentEncoding: overrides.contentEncoding } : {}),
  };
}

/** The tag of a delivered message, from its header (bodies of some cases are binary). */
export function tagOf(item: Delivery | TransportMessage): string {
  const message = 'message' in item ? item.message : item;
  const tag = message.headers?.[TAG_HEADER];
  if (typeof tag === 'string') return tag;
  return `<untagged: ${decoder.decode(message.body.slice(0, 40))}>`;
}

export function tags(items: readonly (Delivery | TransportMessage)[]): string[] {
  return items.map(tagOf);
}

export function range(prefix: string, count: number): string[] {
  return Array.from({ length: count }, (_, i) => `${prefix}-${i}`);
}

export function bytesFrom(text: string): Uint8Array {
  return encoder.encode(text);
}

export function textOf(bytes: Uint8Array): string {
  return decoder.decode(bytes);
}

/** Compares bytes with a readable failure: where they first differ, not a dump of both arrays. */
export function assertSameBytes(actual: Uint8Array, expected: Uint8Array, what: string): void {
  assert.ok(actual instanceof Uint8Array, `${what}: body must be a Uint8Array, got ${Object.prototype.toString.call(actual)}`);
  assert.equal(actual.byteLength, expected.byteLength, `${what}: body length differs`);
  for (let i = 0; i < expected.byteLength; i++) {
    if (actual[i] !== expected[i]) assert.fail(`${what}: body differs at byte ${i}: ${actual[i]} instead of ${expected[i]}`);
  }
}

/** Every byte value 0..255, then a recognisable pattern up to `size` bytes. */
export function patternBytes(size: number): Uint8Array {
  const bytes = new Uint8Array(size);
  for (let i = 0; i < size; i++) bytes[i] = i < 256 ? i : (i * 31 + (i >> 8)) & 0xff;
  return bytes;
}

/** Asserts every key of `expected` is in `actual` with an equal value (transports may add their own headers). */
export function assertIncludes(actual: Record<string, unknown> | undefined, expected: Record<string, unknown>, what: string): void {
  assert.ok(actual && typeof actual === 'object', `${what}: expected an object, got ${String(actual)}`);
  for (const [key, value] of Object.entries(expected)) {
    assert.deepStrictEqual(actual[key], value, `${what}: ${key} did not survive the round trip`);
  }
}

/** Sorted copy, for comparing sets of tags when order is not part of the contract. */
export function sorted(values: readonly string[]): string[] {
  return [...values].sort();
}
