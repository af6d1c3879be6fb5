import { ErrorCodes, TqError } from '@tq/core';

export interface MemcachedServerAddress {
  host: string;
  port: number;
}

export interface ParsedMemcachedUrl {
  servers: MemcachedServerAddress[];
  /** SASL credentials (memjs sends them to every server). */
  username?: string;
  password?: string;
}

const DEFAULT_PORT = 11211;
const SCHEMES = ['memcached:', 'memcache:', 'cache+memcached:', 'cache+memcache:'];

/**
 * Parses Celery's cache-backend URL: `memcached://h1:11211;h2:11211/` (also `cache+memcached://`, the form Celery's
 * `result_backend` setting takes, and `memcache://`). Servers are separated by `;` as Celery writes them (`,` is
 * accepted too); their order matters, because keys are spread over servers by position. Credentials, if any,
 * come first: `memcached://user:pass@h1:11211;h2:11211`. No host means 127.0.0.1:11211.
 */
export function parseMemcachedUrl(url: string): ParsedMemcachedUrl {
  const separator = url.indexOf('://');
  const scheme = separator === -1 ? '' : `${url.slice(0, separator).toLowerCase()}:`;
  if (!SCHEMES.includes(scheme)) {
    throw new TqError(
      ErrorCodes.INVALID_URL,
      `memcached: unsupported URL scheme in ${redact(url)} (use memcached://host:port)`,
      {
        details: { url: redact(url) },
      },
    );
  }
  let rest = url.slice(separator + 3);
  const query = rest.indexOf('?');
  if (query !== -1) rest = rest.slice(0, query);
  rest = rest.replace(/\/+$/, '');

  let username: string | undefined;
  let password: string | undefined;
  const at = rest.lastIndexOf('@');
  if (at !== -1) {
    const credentials = rest.slice(0, at);
    rest = rest.slice(at + 1);
    const colon = credentials.indexOf(':');
    username = decodeURIComponent(colon === -1 ? credentials : credentials.slice(0, colon));
    password = colon === -1 ? undefined : decodeURIComponent(credentials.slice(colon + 1));
  }

  const servers = rest
    .split(/[;,]/)
    .map((part) => part.trim())
    .filter((part) => part !== '')
    .map((part) => parseServer(part, url));
  if (servers.length === 0) servers.push({ host: '127.0.0.1', port: DEFAULT_PORT });
  return { servers, ...(username === undefined ? {} : { username }), ...(password === undefined ? {} : { password }) };
}

function parseServer(text: string, url: string): MemcachedServerAddress {
  const bracketed = /^\[([^\]]+)\](?::(\d+))?$/.exec(text);
  const plain = /^([^:/\s]+)(?::(\d+))?$/.exec(text);
  const match = bracketed ?? plain;
  const port = match?.[2] === undefined ? DEFAULT_PORT : Number(match[2]);
  if (!match || !Number.isInteger(port) || port < 1 || port > 65535) {
    throw new TqError(
      ErrorCodes.INVALID_URL,
      `memcached: cannot read server ${JSON.stringify(text)} in ${redact(url)}`,
      {
        details: { url: redact(url), server: text },
      },
    );
  }
  return { host: match[1]!, port };
}

/** The URL with any password replaced, for messages and logs. */
export function redact(url: string): string {
  return url.replace(/(:\/\/[^:@/;]*:)[^@]*@/, '$1***@');
}
