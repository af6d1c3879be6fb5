import { readFileSync } from 'node:fs';
import { ErrorCodes, TqError } from '@tq/core';
import type { ClusterOptions, RedisOptions } from 'ioredis';

export interface ClusterNode {
  host: string;
  port: number;
}

export interface RedisConnectionConfig {
  kind: 'standalone' | 'sentinel' | 'socket' | 'cluster';
  /**
   * Connection options for ioredis (no retry/queue settings; those depend on the connection's role). For a
   * cluster: the options of each node's connection (credentials, TLS).
   */
  options: RedisOptions;
  /** A cluster's seed nodes (kind 'cluster'): any reachable one tells where the others are. */
  nodes?: ClusterNode[];
  /** Extra ioredis Cluster options (kind 'cluster'). */
  clusterOptions?: ClusterOptions;
  db: number;
  /** The URL with its password masked, for messages. */
  safeUrl: string;
}

export interface UrlExtras {
  /** Sentinel master name when the URL has none (`?master_name=`). */
  masterName?: string;
}

const URL_SHAPE = /^([a-z][a-z0-9+.-]*):\/\/(?:([^@/?#]*)@)?([^/?#]*)(\/[^?#]*)?(?:\?([^#]*))?(?:#.*)?$/i;

/**
 * Celery's Redis URLs: `redis://[[user]:password@]host[:port][/db]`, `rediss://` (TLS; `?ssl_cert_reqs=CERT_NONE`,
 * `ssl_ca_certs`, `ssl_certfile`, `ssl_keyfile`), `redis+sentinel://[:password@]h1:26379,h2:26379/db?master_name=m`
 * (also Celery's `sentinel://h1:26379;sentinel://h2:26379`), `redis+socket:///path.sock?virtual_host=db`,
 * `unix:///path.sock?db=N`, and tq's own `redis+cluster://[:password@]h1:port,h2:port` (`rediss+cluster://` with
 * TLS; a cluster has database 0 only). Throws TQ_INVALID_URL for anything else.
 */
export function parseRedisUrl(url: string, extras: UrlExtras = {}): RedisConnectionConfig {
  if (typeof url !== 'string' || url.trim() === '') throw invalid(url, 'the URL is empty');
  const chunks = url.split(';').map((chunk) => chunk.trim()).filter(Boolean);
  const parts = chunks.map((chunk) => {
    const match = URL_SHAPE.exec(chunk);
    if (!match) throw invalid(url, 'expected scheme://[user:password@]host[:port][/db]');
    const [, scheme = '', userinfo, hosts = '', path = '', query = ''] = match;
    return { scheme: scheme.toLowerCase(), userinfo, hosts, path, query: new URLSearchParams(query) };
  });
  const first = parts[0];
  if (!first) throw invalid(url, 'the URL is empty');
  const { scheme } = first;
  if (chunks.length > 1 && scheme !== 'sentinel' && scheme !== 'redis+sentinel') {
    throw invalid(url, 'only sentinel URLs may list several servers separated by ";"');
  }
  const credentials = parseUserinfo(first.userinfo, url);
  const query = first.query;
  const db = parseDb(query.get('virtual_host') ?? query.get('db') ?? (scheme.endsWith('socket') || scheme === 'unix' ? '' : first.path), url);
  const base: RedisOptions = { db, ...credentials };
  const safeUrl = maskPassword(url);

  if (scheme === 'redis' || scheme === 'rediss') {
    const [host] = parseHosts(first.hosts, 6379, url);
    if (!host) throw invalid(url, 'no host');
    const tls = scheme === 'rediss' ? tlsOptions(query, url) : undefined;
    if (scheme === 'redis' && [...query.keys()].some((key) => key.startsWith('ssl_'))) {
      throw invalid(url, 'ssl_* parameters need the rediss:// scheme');
    }
    return { kind: 'standalone', options: { ...base, host: host.host, port: host.port, ...(tls ? { tls } : {}) }, db, safeUrl };
  }
  if (scheme === 'redis+sentinel' || scheme === 'sentinel' || scheme === 'rediss+sentinel') {
    const sentinels = parts.flatMap((part) => parseHosts(part.hosts, 26379, url));
    if (sentinels.length === 0) throw invalid(url, 'no sentinel hosts');
    const name = query.get('master_name') ?? query.get('master') ?? query.get('service_name') ?? extras.masterName;
    if (!name) throw invalid(url, 'a sentinel URL needs a master name (?master_name=...)');
    const sentinelPassword = query.get('sentinel_password');
    const tls = scheme === 'rediss+sentinel' ? tlsOptions(query, url) : undefined;
    return {
      kind: 'sentinel',
      options: {
        ...base,
        sentinels,
        name,
        ...(sentinelPassword ? { sentinelPassword } : {}),
        ...(tls ? { tls, enableTLSForSentinelMode: true } : {}),
      },
      db,
      safeUrl,
    };
  }
  if (scheme === 'redis+cluster' || scheme === 'rediss+cluster') {
    if (first.hosts === '') throw invalid(url, 'a cluster URL needs at least one node (host:port,host:port)');
    const nodes = parseHosts(first.hosts, 6379, url);
    if (db !== 0) throw invalid(url, `a Redis Cluster has database 0 only, got ${db}`);
    const tls = scheme === 'rediss+cluster' ? tlsOptions(query, url) : undefined;
    if (scheme === 'redis+cluster' && [...query.keys()].some((key) => key.startsWith('ssl_'))) {
      throw invalid(url, 'ssl_* parameters need the rediss+cluster:// scheme');
    }
    return { kind: 'cluster', options: { ...credentials, ...(tls ? { tls } : {}) }, nodes, db, safeUrl };
  }
  if (scheme === 'redis+socket' || scheme === 'unix') {
    const path = decodeURIComponent(first.path);
    if (!path || path === '/') throw invalid(url, 'a socket URL needs a path');
    return { kind: 'socket', options: { ...base, path }, db, safeUrl };
  }
  throw invalid(url, `unsupported scheme "${scheme}"`);
}

function parseUserinfo(userinfo: string | undefined, url: string): { username?: string; password?: string } {
  if (userinfo === undefined || userinfo === '') return {};
  try {
    const colon = userinfo.indexOf(':');
    if (colon < 0) return { password: decodeURIComponent(userinfo) };
    const username = decodeURIComponent(userinfo.slice(0, colon));
    const password = decodeURIComponent(userinfo.slice(colon + 1));
    return { ...(username ? { username } : {}), ...(password ? { password } : {}) };
  } catch (cause) {
    throw invalid(url, 'bad percent-encoding in the credentials', cause);
  }
}

function parseHosts(hosts: string, defaultPort: number, url: string): { host: string; port: number }[] {
  if (hosts === '') return [{ host: '127.0.0.1', port: defaultPort }];
  return hosts.split(',').map((entry) => {
    const match = /^(\[[^\]]+\]|[^:[\]]+)(?::(\d*))?$/.exec(entry.trim());
    if (!match) throw invalid(url, `bad host "${entry}"`);
    const host = (match[1] as string).replace(/^\[|\]$/g, '');
    const port = match[2] ? Number(match[2]) : defaultPort;
    if (!Number.isInteger(port) || port < 1 || port > 65535) throw invalid(url, `bad port in "${entry}"`);
    return { host, port };
  });
}

function parseDb(raw: string, url: string): number {
  const text = raw.replace(/^\/+|\/+$/g, '');
  if (text === '') return 0;
  if (!/^\d+$/.test(text)) throw invalid(url, `the database must be a number, got "${text}"`);
  return Number(text);
}

function tlsOptions(query: URLSearchParams, url: string): Record<string, unknown> {
  const tls: Record<string, unknown> = {};
  const reqs = query.get('ssl_cert_reqs');
  if (reqs !== null) {
    const normalized = reqs.toUpperCase().replace(/^CERT_/, '');
    if (normalized === 'NONE') tls.rejectUnauthorized = false;
    else if (normalized !== 'REQUIRED' && normalized !== 'OPTIONAL') throw invalid(url, `bad ssl_cert_reqs "${reqs}"`);
  }
  const files: [string, string][] = [
    ['ssl_ca_certs', 'ca'],
    ['ssl_certfile', 'cert'],
    ['ssl_keyfile', 'key'],
  ];
  for (const [param, option] of files) {
    const path = query.get(param);
    if (!path) continue;
    try {
      tls[option] = readFileSync(path);
    } catch (cause) {
      throw new TqError(ErrorCodes.INVALID_CONFIG, `cannot read ${param} file ${path}`, { cause });
    }
  }
  return tls;
}

function maskPassword(url: string): string {
  return url.replace(/(:\/\/[^:@/]*:)[^@/]*@/g, '$1***@').replace(/(:\/\/)([^:@/]+)@/g, '$1***@');
}

function invalid(url: string, reason: string, cause?: unknown): TqError {
  return new TqError(ErrorCodes.INVALID_URL, `invalid Redis URL ${JSON.stringify(maskPassword(String(url)))}: ${reason}`, {
    details: { reason },
    ...(cause === undefined ? {} : { cause }),
  });
}
