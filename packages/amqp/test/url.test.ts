import { ErrorCodes, TqError } from '@tq/core';
import { describe, expect, test } from 'vitest';
import { createAmqpTransport, parseAmqpUrl } from '../src/index.js';

describe('AMQP URLs', () => {
  test('user, password, host, port and vhost; Celery\'s `//` and %2F both mean vhost /', () => {
    expect(parseAmqpUrl('amqp://u:p%40ss@rabbit.local:5673/prod').connect).toMatchObject({
      protocol: 'amqp',
      hostname: 'rabbit.local',
      port: 5673,
      username: 'u',
      password: 'p@ss',
      vhost: 'prod',
    });
    expect(parseAmqpUrl('amqp://guest:guest@localhost:5672//').connect.vhost).toBe('/');
    expect(parseAmqpUrl('amqp://localhost/%2F').connect.vhost).toBe('/');
    expect(parseAmqpUrl('amqp://localhost').connect).toMatchObject({ vhost: '/', port: 5672, username: 'guest', password: 'guest' });
    expect(parseAmqpUrl('pyamqp://h').connect.protocol).toBe('amqp');
  });

  test('amqps defaults to port 5671 and takes TLS options', () => {
    const parsed = parseAmqpUrl('amqps://h?verify=verify_none&server_name_indication=broker.example');
    expect(parsed.connect).toMatchObject({ protocol: 'amqps', port: 5671 });
    expect(parsed.socket).toMatchObject({ rejectUnauthorized: false, servername: 'broker.example' });
  });

  test('heartbeat, frame_max, channel_max and connection_timeout from the query (camelCase accepted)', () => {
    const parsed = parseAmqpUrl('amqp://h/?heartbeat=30&frame_max=131072&channelMax=64&connection_timeout=5000');
    expect(parsed.connect).toMatchObject({ heartbeat: 30, frameMax: 131072, channelMax: 64 });
    expect(parsed.socket.timeout).toBe(5000);
  });

  test('the redacted form hides the password', () => {
    expect(parseAmqpUrl('amqp://user:secret@h//').redacted).toBe('amqp://user:***@h//');
  });

  test.each([
    ['not a url', /not a URL/],
    ['redis://localhost:6379', /scheme 'redis:'/],
    ['amqp://h:99999', /not a URL/],
    ['amqp://h/?heartbeat=soon', /heartbeat=soon/],
    ['amqp://h/?hearbeat=10', /unknown option 'hearbeat'/],
    ['amqp://h/?cacertfile=/x.pem', /only applies to amqps/],
    ['amqps://h/?cacertfile=/no/such/file.pem', /cannot be read/],
    ['amqp://u:p@h/%E0%A4%A', /percent-escape/],
  ])('%s is TQ_INVALID_URL', (url, message) => {
    const error = (() => {
      try {
        parseAmqpUrl(url);
      } catch (caught) {
        return caught;
      }
    })();
    expect(TqError.is(error, ErrorCodes.INVALID_URL)).toBe(true);
    expect((error as Error).message).toMatch(message);
  });

  test('a broken URL or option fails when the transport is created, not on first use', () => {
    expect(() => createAmqpTransport('amqp://h:notaport')).toThrow(TqError);
    expect(() => createAmqpTransport({ url: 'amqp://h', deadLetter: 'sometimes' as never })).toThrow(/deadLetter must be one of/);
    expect(() => createAmqpTransport({ url: 'amqp://h', connectionTimeoutMs: -1 })).toThrow(/positive number/);
  });

  test('the password never appears in a URL error', () => {
    expect(() => parseAmqpUrl('amqp://user:hunter2@h/?bad=1')).toThrow(/user:\*\*\*@h/);
    try {
      parseAmqpUrl('amqp://user:hunter2@h/?bad=1');
    } catch (error) {
      expect(JSON.stringify((error as TqError).details) + (error as Error).message).not.toContain('hunter2');
    }
  });
});
