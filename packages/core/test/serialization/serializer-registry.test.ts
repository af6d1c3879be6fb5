import { describe, expect, it } from 'vitest';
import type { Serializer } from '../../src/contracts/index.js';
import { ErrorCodes, TqError } from '../../src/errors/index.js';
import { defaultSerializers, jsonSerializer, SerializerRegistry } from '../../src/serialization/index.js';

const fakeMsgpack: Serializer = {
  name: 'msgpack',
  contentType: 'application/x-msgpack',
  contentEncoding: 'binary',
  encode: () => new Uint8Array(),
  decode: () => null,
};

describe('SerializerRegistry', () => {
  it('finds a serializer by name or content type, ignoring case and MIME parameters', () => {
    const registry = defaultSerializers();
    expect(registry.get('json')).toBe(jsonSerializer);
    expect(registry.get('application/json')).toBe(jsonSerializer);
    expect(registry.get('Application/JSON; charset=utf-8')).toBe(jsonSerializer);
    expect(registry.get('yaml')).toBeUndefined();
  });

  it('require() throws TQ_UNKNOWN_CONTENT_TYPE naming what is registered', () => {
    try {
      defaultSerializers().require('application/x-yaml');
      expect.unreachable();
    } catch (error) {
      expect(TqError.is(error, ErrorCodes.UNKNOWN_CONTENT_TYPE)).toBe(true);
      expect((error as Error).message).toContain('registered: json');
    }
  });

  it('register() adds and replaces by name/content type', () => {
    const registry = new SerializerRegistry([jsonSerializer]).register(fakeMsgpack);
    expect(registry.require('msgpack')).toBe(fakeMsgpack);
    expect(registry.list()).toHaveLength(2);
    const replacement = { ...fakeMsgpack };
    registry.register(replacement);
    expect(registry.get('application/x-msgpack')).toBe(replacement);
    expect(registry.list()).toHaveLength(2);
  });

  it("maps accept-list entries to content types, including kombu's names not registered here", () => {
    const registry = defaultSerializers();
    expect(registry.contentTypeOf('json')).toBe('application/json');
    expect(registry.contentTypeOf('msgpack')).toBe('application/x-msgpack');
    expect(registry.contentTypeOf('pickle')).toBe('application/x-python-serialize');
    expect(registry.contentTypeOf('application/x-custom')).toBe('application/x-custom');
    expect(registry.contentTypeOf('nonsense')).toBeUndefined();
  });
});
