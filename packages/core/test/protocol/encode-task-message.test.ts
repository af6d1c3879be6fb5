import { describe, expect, it } from 'vitest';
import { ErrorCodes, TqError } from '../../src/errors/index.js';
import { decodeTaskMessage, encodeTaskMessage, newTaskId, originName } from '../../src/protocol/index.js';
import {
  brotliCompressor,
  defaultCompressors,
  defaultSerializers,
  jsonSerializer,
  zlibCompressor,
} from '../../src/serialization/index.js';
import { fixture } from '../fixtures/celery/kombu-envelope.js';

const decodeOptions = { serializers: defaultSerializers(), compressors: defaultCompressors(), accept: ['json'] };
const bodyOf = (bytes: Uint8Array) => JSON.parse(new TextDecoder().decode(bytes));

describe('encodeTaskMessage', () => {
  it('writes the same header set as Celery 5.2 (plus the 5.3+/5.4+ stamp headers)', () => {
    const message = encodeTaskMessage({ id: 'id-1', task: 'proj.add', args: [2, 2] }, { serializer: jsonSerializer });
    const celeryHeaders = Object.keys(fixture('simple').envelope.headers);
    expect(Object.keys(message.headers).sort()).toEqual(
      [...celeryHeaders, 'replaced_task_nesting', 'stamped_headers', 'stamps'].sort(),
    );
    expect(message.headers).toEqual({
      lang: 'js',
      task: 'proj.add',
      id: 'id-1',
      shadow: null,
      eta: null,
      expires: null,
      group: null,
      group_index: null,
      retries: 0,
      timelimit: [null, null],
      root_id: 'id-1',
      parent_id: null,
      argsrepr: '(2, 2)',
      kwargsrepr: '{}',
      origin: originName(),
      ignore_result: false,
      replaced_task_nesting: 0,
      stamped_headers: null,
      stamps: {},
    });
    expect(message.properties).toEqual({ correlationId: 'id-1', replyTo: '', deliveryMode: 2 });
    expect(message.contentType).toBe('application/json');
    expect(message.contentEncoding).toBe('utf-8');
    expect(bodyOf(message.body)).toEqual([[2, 2], {}, { callbacks: null, errbacks: null, chain: null, chord: null }]);
  });

  it('writes every option where Celery does', () => {
    const link = { task: 'proj.add', args: [16], kwargs: {}, options: {}, subtask_type: null, immutable: false };
    const message = encodeTaskMessage(
      {
        id: 'id-2',
        task: 'proj.add',
        args: [1],
        kwargs: { b: 'x' },
        rootId: 'root',
        parentId: 'parent',
        group: 'g',
        groupIndex: 3,
        eta: '2026-11-24T00:04:20.149128+00:00',
        expires: '2026-11-24T00:05:10.149128+00:00',
        retries: 2,
        timelimit: [30, 20],
        shadow: 'alias',
        origin: 'gen1@host',
        ignoreResult: true,
        callbacks: [link],
        errbacks: [link],
        chain: [link],
        chord: link,
        headers: { 'x-custom': 'v' },
        replyTo: 'oid',
        priority: 5,
        deliveryMode: 1,
        expirationMs: 60000.9,
      },
      { serializer: jsonSerializer },
    );
    expect(message.headers).toMatchObject({
      root_id: 'root',
      parent_id: 'parent',
      group: 'g',
      group_index: 3,
      eta: '2026-11-24T00:04:20.149128+00:00',
      expires: '2026-11-24T00:05:10.149128+00:00',
      retries: 2,
      timelimit: [30, 20],
      shadow: 'alias',
      origin: 'gen1@host',
      ignore_result: true,
      argsrepr: '(1,)',
      kwargsrepr: "{'b': 'x'}",
      'x-custom': 'v',
    });
    expect(message.properties).toEqual({
      correlationId: 'id-2',
      replyTo: 'oid',
      deliveryMode: 1,
      priority: 5,
      expiration: '60000',
    });
    expect(bodyOf(message.body)[2]).toEqual({ callbacks: [link], errbacks: [link], chain: [link], chord: link });
  });

  it('lets custom headers override, as Celery merges them last', () => {
    const message = encodeTaskMessage({ id: 'a', task: 't', headers: { retries: 7 } }, { serializer: jsonSerializer });
    expect(message.headers.retries).toBe(7);
  });

  it('uses caller-supplied argsrepr/kwargsrepr (to hide secrets)', () => {
    const message = encodeTaskMessage(
      { id: 'a', task: 't', args: ['secret'], argsrepr: '(<hidden>,)', kwargsrepr: '{}' },
      { serializer: jsonSerializer },
    );
    expect(message.headers.argsrepr).toBe('(<hidden>,)');
  });

  it('truncates argsrepr to 1024 characters', () => {
    const message = encodeTaskMessage({ id: 'a', task: 't', args: ['x'.repeat(5000)] }, { serializer: jsonSerializer });
    expect(message.headers.argsrepr).toHaveLength(1024 + 3);
    expect(String(message.headers.argsrepr).endsWith('...')).toBe(true);
  });

  it.each([
    ['zlib', zlibCompressor(), 'application/x-gzip'],
    ['brotli', brotliCompressor(), 'application/x-brotli'],
  ])('compresses with %s and names its MIME type in the compression header', (_name, compressor, mime) => {
    const init = { id: newTaskId(), task: 'proj.echo', args: ['y'.repeat(2000)] };
    const message = encodeTaskMessage(init, { serializer: jsonSerializer, compressor });
    expect(message.headers.compression).toBe(mime);
    expect(message.body.byteLength).toBeLessThan(500);
    expect(decodeTaskMessage(message, decodeOptions).args).toEqual(init.args);
  });

  it('round-trips through decodeTaskMessage', () => {
    const id = newTaskId();
    const init = {
      id,
      task: 'proj.add',
      args: [1, { nested: [true, null] }],
      kwargs: { k: 'v' },
      eta: '2026-11-24T00:04:20.149128+00:00',
      timelimit: [10, null] as [number, null],
      headers: { custom: 1 },
      priority: 3,
      replyTo: 'oid',
    };
    const decoded = decodeTaskMessage(encodeTaskMessage(init, { serializer: jsonSerializer }), decodeOptions);
    expect(decoded).toMatchObject({
      protocol: 2,
      id,
      task: 'proj.add',
      args: init.args,
      kwargs: init.kwargs,
      rootId: id,
      eta: init.eta,
      timelimit: [10, null],
      priority: 3,
      replyTo: 'oid',
      correlationId: id,
      deliveryMode: 2,
      ignoreResult: false,
      origin: originName(),
    });
    expect(decoded.headers.custom).toBe(1);
  });

  it('rejects bad args/kwargs and unencodable values with TQ_ENCODE and the task id', () => {
    const cases = [
      { id: 'a', task: 't', args: 'nope' as unknown as unknown[] },
      { id: 'a', task: 't', kwargs: [] as unknown as Record<string, unknown> },
      { id: 'a', task: 't', args: [10n] },
      { id: '', task: 't' },
    ];
    for (const init of cases) {
      try {
        encodeTaskMessage(init, { serializer: jsonSerializer });
        expect.unreachable();
      } catch (error) {
        expect(TqError.is(error, ErrorCodes.ENCODE)).toBe(true);
        expect((error as TqError).details?.task).toBe('t');
      }
    }
  });
});

describe('ids', () => {
  it('newTaskId() is a v4 UUID, originName() is gen<pid>@<host>', () => {
    expect(newTaskId()).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(originName()).toMatch(new RegExp(`^gen${process.pid}@.+$`));
  });
});
