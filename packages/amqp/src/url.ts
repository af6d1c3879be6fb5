import { readFileSync } from 'node:fs';
import { ErrorCodes, TqError } from '@tq/core';
import type { Options } from 'amqplib';

/** What a broker URL says, ready for amqplib's `connect`. */
export interface ParsedAmqpUrl {
  connect: Options.Connect;
  /** TLS and socket settings (amqps). */
  socket: { servername?: string; ca?: Buffer; cert?: Buffer; key?: Buffer; rejectUnauthorized?: boolean; timeout?: number };
  /** The URL with the password replaced by `***`, for logs and error details. */
  redacted: string;
}

/**
 * Query options, named as in RabbitMQ's URI spec (camelCase aliases accepted): `heartbeat` (seconds, 0 disables),
 * `frame_max` (bytes), `channel_max`, `connection_timeout` (ms), and for amqps `cacertfile`, `certfile`, `keyfile`,
 * `verify` (`verify_peer` | `verify_none`), `server_name_indication`.
 */
const QUERY_ALIASES: Record<string, string> = {
  heartbeat: 'heartbeat',
  frame_max: 'frameMax',
  framemax: 'frameMax',
  channel_max: 'channelMax',
  channelmax: 'channelMax',
  connection_timeout: 'connectionTimeout',
  connectiontimeout: 'connectionTimeout',
  cacertfile: 'cacertfile',
  certfile: 'certfile',
  keyfile: 'keyfile',
  verify: 'verify',
  server_name_indication: 'serverNameIndication',
};

export const DEFAULT_AMQP_URL = 'amqp://guest:guest@localhost:5672//';

export function parseAmqpUrl(input: string): ParsedAmqpUrl {
  let url: URL;
  try {
    url = new URL(input);
  } catch (cause) {
    throw invalid(input, 'is not a URL', cause);
  }
  const scheme = url.protocol.slice(0, -1).toLowerCase();
  // `pyamqp://` is Celery's name for the same protocol.
  if (scheme !== 'amqp' && scheme !== 'amqps' && scheme !== 'pyamqp') {
    throw invalid(input, `has scheme '${scheme}:', expected amqp: or amqps:`);
  }
  const tls = scheme === 'amqps';
  const hostname = url.hostname.replace(/^\[|\]$/g, '') || 'localhost';
  const port = url.port === '' ? (tls ? 5671 : 5672) : Number(url.port);
  const connect: Options.Connect = {
    protocol: tls ? 'amqps' : 'amqp',
    hostname,
    port,
    username: url.username === '' && url.password === '' ? 'guest' : safeDecode(input, url.username),
    password: url.username === '' && url.password === '' ? 'guest' : safeDecode(input, url.password),
    vhost: vhostOf(input, url.pathname),
  };
  const socket: ParsedAmqpUrl['socket'] = {};
  for (const [rawKey, value] of url.searchParams) {
    const key = QUERY_ALIASES[rawKey.toLowerCase()];
    if (!key) throw invalid(input, `has unknown option '${rawKey}' (known: ${Object.keys(QUERY_ALIASES).join(', ')})`);
    applyOption(input, key, value, tls, connect, socket);
  }
  const redacted = url.password ? input.replace(`:${url.password}@`, ':***@') : input;
  return { connect, socket, redacted };
}

function applyOption(
  input: string,
  key: string,
  value: string,
  tls: boolean,
  connect: Options.Connect,
  socket: ParsedAmqpUrl['socket'],
): void {
  switch (key) {
    case 'heartbeat':
    case 'frameMax':
    case 'channelMax':
      connect[key] = nonNegativeInteger(input, key, value);
      return;
    case 'connectionTimeout':
      socket.timeout = nonNegativeInteger(input, key, value);
      return;
    case 'verify':
      if (value !== 'verify_peer' && value !== 'verify_none') throw invalid(input, `has verify=${value}, expected verify_peer or verify_none`);
      socket.rejectUnauthorized = value === 'verify_peer';
      return;
    case 'serverNameIndication':
      socket.servername = value;
      return;
    default: {
      if (!tls) throw invalid(input, `sets '${key}', which only applies to amqps://`);
      const field = key === 'cacertfile' ? 'ca' : key === 'certfile' ? 'cert' : 'key';
      try {
        socket[field] = readFileSync(value);
      } catch (cause) {
        throw invalid(input, `names ${key}=${value}, which cannot be read`, cause);
      }
    }
  }
}

/** `amqp://host` and `amqp://host/` mean vhost `/`; `amqp://host//` is Celery's spelling of the same; `/%2F` too. */
function vhostOf(input: string, pathname: string): string {
  if (pathname === '' || pathname === '/') return '/';
  return safeDecode(input, pathname.slice(1));
}

function safeDecode(input: string, part: string): string {
  try {
    return decodeURIComponent(part);
  } catch (cause) {
    throw invalid(input, 'has a malformed percent-escape', cause);
  }
}

function nonNegativeInteger(input: string, key: string, value: string): number {
  if (!/^\d+$/.test(value)) throw invalid(input, `has ${key}=${value}, expected a non-negative integer`);
  return Number(value);
}

function invalid(input: string, problem: string, cause?: unknown): TqError {
  const shown = input.replace(/\/\/([^:/@]*):([^@]*)@/, '//$1:***@');
  return new TqError(ErrorCodes.INVALID_URL, `AMQP URL ${shown} ${problem}`, { cause, details: { url: shown } });
}
