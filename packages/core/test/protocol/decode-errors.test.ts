import { describe, expect, it } from 'vitest';
import type { TransportMessage } from '../../src/contracts/index.js';
import { ErrorCodes, TqError } from '../../src/errors/index.js';
import { decodeTaskMessage, encodeTaskMessage } from '../../src/protocol/index.js';
import { defaultCompressors, defaultSerializers, jsonSerializer } from '../../src/serialization/index.js';

const options = { serializers: defaultSerializers(), compressors: defaultCompressors(), accept: ['json'] };
const utf8 = (text: string) => new TextEncoder().encode(text);

function message(overrides: Partial<TransportMessage> & { json?: string } = {}): TransportMessage {
  const { json, ...rest } = overrides;
  return {
    body: utf8(json ?? '[[1], {}, {"callbacks": null, "errbacks": null, "chain": null, "chord": null}]'),
    contentType: 'application/json',
    contentEncoding: 'utf-8',
    headers: { task: 'proj.add', id: 'tid-1' },
    properties: {},
    ...rest,
  };
}

function failure(input: TransportMessage, accept: readonly string[] = ['json']): TqError {
  try {
    decodeTaskMessage(input, { ...options, accept });
  } catch (error) {
    if (!TqError.is(error)) throw error;
    expect(error.message).not.toContain('\n');
    return error;
  }
  throw new Error('decodeTaskMessage did not throw');
}

describe('decodeTaskMessage errors', () => {
  it('TQ_CONTENT_TYPE_REFUSED for a content type outside accept, with the task id', () => {
    const error = failure(message({ contentType: 'application/x-yaml' }));
    expect(error.code).toBe(ErrorCodes.CONTENT_TYPE_REFUSED);
    expect(error.details).toMatchObject({ taskId: 'tid-1', contentType: 'application/x-yaml' });
  });

  it('TQ_CONTENT_TYPE_REFUSED for pickle, always, with advice for the Python side', () => {
    const error = failure(message({ contentType: 'application/x-python-serialize' }), ['json', 'pickle']);
    expect(error.code).toBe(ErrorCodes.CONTENT_TYPE_REFUSED);
    expect(error.message).toMatch(/never accepts pickle.*task_serializer='json'/);
  });

  it('TQ_UNKNOWN_CONTENT_TYPE for an accepted type without a serializer, or no content type', () => {
    expect(failure(message({ contentType: 'application/x-yaml' }), ['json', 'yaml']).code).toBe(
      ErrorCodes.UNKNOWN_CONTENT_TYPE,
    );
    expect(failure(message({ contentType: '' })).code).toBe(ErrorCodes.UNKNOWN_CONTENT_TYPE);
  });

  it('TQ_UNKNOWN_CONTENT_TYPE for an unknown compression', () => {
    const error = failure(message({ headers: { task: 't', id: 'tid-1', compression: 'application/zstd' } }));
    expect(error.code).toBe(ErrorCodes.UNKNOWN_CONTENT_TYPE);
    expect(error.details).toMatchObject({ taskId: 'tid-1', compression: 'application/zstd' });
  });

  it('TQ_DECODE for corrupt compression, with the task id', () => {
    const error = failure(message({ headers: { task: 't', id: 'tid-1', compression: 'zlib' } }));
    expect(error.code).toBe(ErrorCodes.DECODE);
    expect(error.details).toMatchObject({ taskId: 'tid-1', compression: 'zlib' });
  });

  it('TQ_DECODE for invalid JSON or invalid UTF-8', () => {
    expect(failure(message({ json: '[[1], {' })).code).toBe(ErrorCodes.DECODE);
    expect(failure(message({ body: new Uint8Array([0x5b, 0xc3, 0x28, 0x5d]) })).details?.taskId).toBe('tid-1');
  });

  it('accepts content types case-insensitively and with parameters', () => {
    const ok = decodeTaskMessage(message({ contentType: 'Application/JSON; charset=utf-8' }), options);
    expect(ok.args).toEqual([1]);
  });

  it.each([
    ['no task header and a v2 body', { headers: {} }],
    ['an empty task header', { headers: { task: '', id: 'x' } }],
    ['a non-string task header', { headers: { task: 5, id: 'x' } }],
    ['a missing id', { headers: { task: 't' } }],
    ['a non-string id', { headers: { task: 't', id: 7 } }],
    ['a body that is an object without args', { json: '{"x": 1}' }],
    ['a body that is a string', { json: '"hello"' }],
    ['a body with one element', { json: '[[1]]' }],
    ['a body with four elements', { json: '[[1], {}, {}, {}]' }],
    ['args that are not a list', { json: '[{"a": 1}, {}, {}]' }],
    ['kwargs that are not an object', { json: '[[1], [2], {}]' }],
    ['an embed that is not an object', { json: '[[1], {}, 3]' }],
    ['callbacks that are not a list of dicts', { json: '[[1], {}, {"callbacks": ["proj.x"]}]' }],
    ['a chord that is not a dict', { json: '[[1], {}, {"chord": [1]}]' }],
    ['a timelimit that is not [hard, soft]', { headers: { task: 't', id: 'x', timelimit: '30' } }],
    ['an eta that is a number', { headers: { task: 't', id: 'x', eta: 1700000000 } }],
    ['retries that are not an integer', { headers: { task: 't', id: 'x', retries: '1' } }],
    ['a v1 body without an id', { headers: {}, json: '{"task": "t", "args": [], "kwargs": {}}' }],
    ['v1 kwargs that are not a mapping', { headers: {}, json: '{"task": "t", "id": "x", "args": [], "kwargs": 1}' }],
  ])('TQ_MALFORMED_MESSAGE for %s', (_label, overrides) => {
    expect(failure(message(overrides as Partial<TransportMessage>)).code).toBe(ErrorCodes.MALFORMED_MESSAGE);
  });

  it('names the offending field and the task id in details', () => {
    const error = failure(message({ headers: { task: 't', id: 'tid-9', retries: 'x' } }));
    expect(error.details).toMatchObject({ taskId: 'tid-9', field: 'retries' });
  });

  it('treats null fields as absent and accepts a 2-element body', () => {
    const decoded = decodeTaskMessage(
      message({
        headers: { task: 't', id: 'x', root_id: null, retries: null, timelimit: null, ignore_result: null },
        json: '[[], {}]',
      }),
      options,
    );
    expect(decoded).toMatchObject({ rootId: 'x', retries: 0, timelimit: [null, null], ignoreResult: undefined });
    expect(decoded.callbacks).toBeNull();
  });

  it('formats an eta a transport revived as a Date back to ISO', () => {
    const encoded = encodeTaskMessage({ id: 'x', task: 't' }, { serializer: jsonSerializer });
    encoded.headers.eta = new Date('2024-01-01T00:00:00.250Z');
    expect(decodeTaskMessage(encoded, options).eta).toBe('2024-01-01T00:00:00.250000+00:00');
  });
});
