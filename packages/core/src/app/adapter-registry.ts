import type { ResultBackend, ResultBackendFactory } from '../contracts/result-backend.js';
import type { Transport, TransportFactory } from '../contracts/transport.js';
import { ErrorCodes, TqError } from '../errors/tq-error.js';

/**
 * Maps URL schemes to adapter factories, so a URL in config (`redis://...`) becomes a Transport or ResultBackend.
 * Core knows no adapter: packages register themselves here (the `tq` command registers every installed one),
 * or users pass instances instead of URLs.
 */
export interface AdapterRegistration {
  /** Schemes without the colon: `redis`, `rediss`. */
  schemes: readonly string[];
  transport?: TransportFactory;
  backend?: ResultBackendFactory;
  /** npm package to suggest when the scheme is used but nothing is registered. */
  packageName?: string;
}

const registrations = new Map<string, AdapterRegistration>();

/** Known schemes and the package that serves them, for the error that tells users what to install. */
const KNOWN_PACKAGES: Record<string, string> = {
  sqlite: '@tq/sqlite',
  redis: '@tq/redis',
  rediss: '@tq/redis',
  'redis+sentinel': '@tq/redis',
  'redis+cluster': '@tq/redis',
  'rediss+cluster': '@tq/redis',
  amqp: '@tq/amqp',
  amqps: '@tq/amqp',
  rpc: '@tq/amqp',
  sqs: '@tq/sqs',
  memcached: '@tq/backend-memcached',
  'cache+memcached': '@tq/backend-memcached',
  memory: '@tq/core',
};

export function registerAdapter(registration: AdapterRegistration): void {
  for (const scheme of registration.schemes) registrations.set(scheme.toLowerCase(), registration);
}

export function urlScheme(url: string): string {
  const match = /^([a-z][a-z0-9+.-]*):/i.exec(url.trim());
  if (!match) throw new TqError(ErrorCodes.INVALID_URL, `not a URL (expected scheme://...): ${redactUrl(url)}`);
  return match[1]!.toLowerCase();
}

export function resolveTransport(url: string, options?: Record<string, unknown>): Transport {
  const registration = lookup(url, 'transport');
  return registration.transport!(url, options);
}

export function resolveBackend(url: string, options?: Record<string, unknown>): ResultBackend {
  const registration = lookup(url, 'backend');
  return registration.backend!(url, options);
}

function lookup(url: string, kind: 'transport' | 'backend'): AdapterRegistration {
  const scheme = urlScheme(url);
  const registration = registrations.get(scheme);
  if (registration?.[kind]) return registration;
  const suggestion = KNOWN_PACKAGES[scheme];
  const role = kind === 'transport' ? 'broker' : 'result backend';
  if (registration) throw new TqError(ErrorCodes.INVALID_URL, `${scheme}:// cannot be used as a ${role}`);
  throw new TqError(
    ErrorCodes.INVALID_URL,
    suggestion
      ? `no ${role} registered for ${scheme}:// — install ${suggestion} and pass its ${kind} (or import it before use)`
      : `unknown ${role} URL scheme ${scheme}://`,
  );
}

/** Hides passwords when a URL goes into an error message or a log line. */
export function redactUrl(url: string): string {
  return url.replace(/\/\/([^:/@]*):([^@]*)@/, '//$1:***@');
}
