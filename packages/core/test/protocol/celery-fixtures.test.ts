import { describe, expect, it } from 'vitest';
import { ErrorCodes, TqError } from '../../src/errors/index.js';
import { decodeTaskMessage } from '../../src/protocol/index.js';
import { defaultCompressors, defaultSerializers } from '../../src/serialization/index.js';
import { capturedWith, fixture, fixtureMessage } from '../fixtures/celery/kombu-envelope.js';

// Messages captured from Debian's Celery 5.2.6 / kombu 5.2.4 by test/fixtures/celery/generate_fixtures.py.
const options = { serializers: defaultSerializers(), compressors: defaultCompressors(), accept: ['json'] };
const decode = (name: string, accept: readonly string[] = ['json']) =>
  decodeTaskMessage(fixtureMessage(name), { ...options, accept });

function codeOf(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    if (!TqError.is(error)) throw error;
    expect(error.message).not.toContain('\n');
    return error.code;
  }
  throw new Error('nothing was thrown');
}

describe(`captured Celery ${capturedWith.celery} / kombu ${capturedWith.kombu} messages`, () => {
  it('decodes a plain apply_async', () => {
    const message = decode('simple');
    expect(message).toMatchObject({
      protocol: 2,
      id: '11111111-1111-4111-8111-111111111111',
      task: 'proj.add',
      args: [2, 2],
      kwargs: {},
      rootId: '11111111-1111-4111-8111-111111111111',
      parentId: null,
      group: null,
      groupIndex: null,
      eta: null,
      expires: null,
      retries: 0,
      timelimit: [null, null],
      shadow: null,
      ignoreResult: false,
      argsrepr: '(2, 2)',
      kwargsrepr: '{}',
      callbacks: null,
      errbacks: null,
      chain: null,
      chord: null,
      correlationId: '11111111-1111-4111-8111-111111111111',
      deliveryMode: 2,
      priority: 0,
      contentType: 'application/json',
      contentEncoding: 'utf-8',
    });
    expect(message.origin).toMatch(/^gen\d+@/);
    expect(message.replyTo).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('decodes eta, expires, priority, time limits, shadow, custom headers, link and link_error', () => {
    const message = decode('full-options');
    const headers = fixture('full-options').envelope.headers;
    expect(message.eta).toBe(headers.eta);
    expect(message.expires).toBe(headers.expires);
    expect(message.eta).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}\+00:00$/);
    expect(message.priority).toBe(5);
    expect(message.timelimit).toEqual([30, 20]); // [hard, soft]
    expect(message.shadow).toBe('alias');
    expect(message.headers['x-custom']).toBe('v');
    expect(message.callbacks).toEqual([
      { task: 'proj.add', args: [16], kwargs: {}, options: {}, subtask_type: null, immutable: false },
    ]);
    expect(message.errbacks).toEqual([
      { task: 'proj.on_err', args: [], kwargs: {}, options: {}, subtask_type: null, immutable: true },
    ]);
  });

  it('decodes zlib-compressed bodies, whether sent as zlib or gzip', () => {
    expect(fixture('zlib').envelope.headers.compression).toBe('application/x-gzip');
    expect(decode('zlib')).toMatchObject({ args: ['x'.repeat(300)], kwargs: { k: 'v' } });
    expect(decode('gzip-alias').args).toEqual(['gz']);
  });

  it('reports bzip2 (which tq does not ship) as TQ_UNKNOWN_CONTENT_TYPE', () => {
    expect(codeOf(() => decode('bzip2'))).toBe(ErrorCodes.UNKNOWN_CONTENT_TYPE);
  });

  it('reads the plain strings kombu 5.2 writes for datetime/date/Decimal/UUID', () => {
    expect(decode('kombu52-types').kwargs).toEqual({
      when: '2024-01-01T12:00:00.531029Z',
      day: '2024-01-02T00:00:00',
      amount: '12.50',
      ref: '6f1c0e5e-1d2b-4c3d-9e4f-5a6b7c8d9e0f',
    });
  });

  it('decodes kombu>=5.3 tagged values (hand-written fixture)', () => {
    expect(fixture('kombu53-tagged').handmade).toBe(true);
    expect(decode('kombu53-tagged').args).toEqual([
      new Date('2024-01-01T12:00:00.531Z'),
      '2024-01-02',
      '13:14:15.000016',
      '12.50',
      '6f1c0e5e-1d2b-4c3d-9e4f-5a6b7c8d9e0f',
      new Uint8Array(Buffer.from('plain text')),
      new Uint8Array([0x00, 0xff, 0x10]),
    ]);
  });

  it('decodes non-ASCII arguments', () => {
    expect(decode('unicode').args).toEqual(['héllo wörld ☃ 𝄞', { ключ: 'значение' }]);
  });

  it('keeps the chain reversed, the next task last', () => {
    const message = decode('chain');
    expect(message.args).toEqual([1, 2]);
    expect(message.chain?.map((sig) => [sig.args, sig.immutable])).toEqual([
      [[4, 4], true],
      [[3], false],
    ]);
    expect(message.chain?.[0]?.options.task_id).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('decodes group members and chord headers with their group, index and chord body', () => {
    const members = [decode('group'), decode('group#1')];
    expect(members[0]?.group).toBeTruthy();
    expect(members[0]?.group).toBe(members[1]?.group);
    expect(members.map((m) => m.groupIndex)).toEqual([null, null]);

    const parts = [decode('chord'), decode('chord#1')];
    expect(parts.map((m) => m.groupIndex)).toEqual([0, 1]);
    expect(parts[0]?.chord).toMatchObject({ task: 'proj.echo', args: [], immutable: false });
    expect(parts[0]?.chord?.options.task_id).toBe(parts[1]?.chord?.options.task_id);
  });

  it('reads ignore_result', () => {
    expect(decode('ignore-result').ignoreResult).toBe(true);
  });

  it('decodes protocol 1 (everything in the body dict)', () => {
    const message = decode('protocol-1');
    expect(fixture('protocol-1').envelope.headers).toEqual({});
    expect(message).toMatchObject({
      protocol: 1,
      id: '44444444-4444-4444-8444-444444444444',
      task: 'proj.add',
      args: [2, 2],
      kwargs: {},
      rootId: '44444444-4444-4444-8444-444444444444',
      retries: 0,
      timelimit: [null, null],
      argsrepr: '(2, 2)',
      kwargsrepr: '{}',
      chain: null,
      callbacks: [{ task: 'proj.add', args: [16], kwargs: {}, options: {}, subtask_type: null, immutable: false }],
    });
    expect(message.eta).toMatch(/\+00:00$/);
    expect(message.expires).toMatch(/\+00:00$/);
  });

  it("maps protocol 1's taskset to group", () => {
    const body = JSON.parse(Buffer.from(fixture('protocol-1-group').envelope.body, 'base64').toString('utf8'));
    expect(body.taskset).toMatch(/^[0-9a-f-]{36}$/);
    expect(decode('protocol-1-group').group).toBe(body.taskset);
  });

  it('decodes the v2-headers + v1-body hybrid, headers winning over body fields', () => {
    const message = decode('hybrid');
    expect(message).toMatchObject({
      protocol: 1,
      id: '55555555-5555-4555-8555-555555555555',
      task: 'proj.add',
      args: [3, 4],
      retries: 2,
      chain: null,
    });
    expect(message.headers['x-hdr']).toBe(1);
  });

  it('refuses msgpack unless accepted, and then needs a msgpack serializer', () => {
    expect(codeOf(() => decode('msgpack'))).toBe(ErrorCodes.CONTENT_TYPE_REFUSED);
    expect(codeOf(() => decode('msgpack', ['json', 'msgpack']))).toBe(ErrorCodes.UNKNOWN_CONTENT_TYPE);
  });

  it('refuses pickle even when the accept list names it, telling the Python side what to change', () => {
    for (const accept of [['json'], ['json', 'pickle'], ['application/x-python-serialize']]) {
      try {
        decode('pickle', accept);
        expect.unreachable();
      } catch (error) {
        expect(TqError.is(error, ErrorCodes.CONTENT_TYPE_REFUSED)).toBe(true);
        expect((error as Error).message).toContain("task_serializer='json'");
        expect((error as TqError).details?.taskId).toBe(fixture('pickle').envelope.headers.id);
      }
    }
  });
});
