import { abortError, throwIfAborted } from '@tq/core';
import { Client, Server, Utils } from 'memjs';
import { closedError, connectionError, Status, statusError } from './memcached-errors.js';
import { pythonMemcachedServerIndex } from './server-selection.js';
import type { ParsedMemcachedUrl } from './url.js';

/** A value as stored, with the flags word and the CAS token a later compare-and-set needs. */
export interface StoredValue {
  value: Buffer;
  flags: number;
  cas: Buffer;
}

export type CasOutcome = 'stored' | 'changed' | 'missing';

export interface ConnectionOptions {
  /** Per-request deadline. */
  timeoutMs: number;
  /** Attempts per request when the connection fails (memjs retries). */
  retries: number;
  keyDistribution: 'python-memcached' | 'memjs';
}

interface Response {
  header: { status: number; cas: Buffer };
  extras: Buffer;
  val: Buffer;
}

const Opcode = { GET: 0x00, SET: 0x01, ADD: 0x02, DELETE: 0x04, INCREMENT: 0x05, NOOP: 0x0a, TOUCH: 0x1c } as const;
const silent = { log: () => {} };

/**
 * The memcached commands the backend needs, over memjs's connections and binary protocol. memjs's own methods
 * cannot send flags or CAS tokens, so requests are built here and sent with memjs's `perform` (which picks the
 * server, retries and times out). Every call takes an AbortSignal; a warm close waits for calls in flight.
 */
export class MemcachedConnection {
  readonly #client: Client;
  readonly #servers: Server[];
  readonly #pending = new Set<(error: Error) => void>();
  readonly #inFlight = new Set<Promise<unknown>>();
  #closed = false;

  constructor(url: ParsedMemcachedUrl, options: ConnectionOptions) {
    const serverOptions = {
      timeout: options.timeoutMs / 1000,
      conntimeout: options.timeoutMs / 1000,
      ...(url.username === undefined ? {} : { username: url.username }),
      ...(url.password === undefined ? {} : { password: url.password }),
    };
    this.#servers = url.servers.map(
      ({ host, port }) => new Server(host, port, url.username, url.password, serverOptions as never),
    );
    this.#client = new Client(this.#servers, {
      retries: options.retries,
      retry_delay: 0.05,
      logger: silent,
      failover: false,
    });
    if (options.keyDistribution === 'python-memcached') {
      const count = this.#servers.length;
      this.#client.getServer = (key: string) => pythonMemcachedServerIndex(key, count) as never;
    }
  }

  get servers(): string[] {
    return this.#servers.map((server) => `${server.host}:${server.port}`);
  }

  async get(key: string, signal?: AbortSignal): Promise<StoredValue | undefined> {
    const response = await this.#perform('get', key, Opcode.GET, '', '', undefined, signal);
    if (response.header.status === Status.NOT_FOUND) return undefined;
    this.#expectOk(response, 'get', key);
    const flags = response.extras.length >= 4 ? response.extras.readUInt32BE(0) : 0;
    return { value: Buffer.from(response.val), flags, cas: Buffer.from(response.header.cas) };
  }

  /** Stores only if the key is absent; false when it exists. */
  async add(key: string, value: Uint8Array, flags: number, exptime: number, signal?: AbortSignal): Promise<boolean> {
    const response = await this.#perform('add', key, Opcode.ADD, storeExtras(flags, exptime), value, undefined, signal);
    if (response.header.status === Status.EXISTS || response.header.status === Status.NOT_STORED) return false;
    this.#expectOk(response, 'add', key);
    return true;
  }

  async set(key: string, value: Uint8Array, flags: number, exptime: number, signal?: AbortSignal): Promise<void> {
    const response = await this.#perform('set', key, Opcode.SET, storeExtras(flags, exptime), value, undefined, signal);
    this.#expectOk(response, 'set', key);
  }

  /** Stores only if the key still carries this CAS token. */
  async compareAndSet(
    key: string,
    value: Uint8Array,
    flags: number,
    exptime: number,
    cas: Buffer,
    signal?: AbortSignal,
  ): Promise<CasOutcome> {
    const response = await this.#perform('cas', key, Opcode.SET, storeExtras(flags, exptime), value, cas, signal);
    if (response.header.status === Status.EXISTS) return 'changed';
    if (response.header.status === Status.NOT_FOUND) return 'missing';
    this.#expectOk(response, 'cas', key);
    return 'stored';
  }

  async delete(key: string, signal?: AbortSignal): Promise<boolean> {
    const response = await this.#perform('delete', key, Opcode.DELETE, '', '', undefined, signal);
    if (response.header.status === Status.NOT_FOUND) return false;
    this.#expectOk(response, 'delete', key);
    return true;
  }

  /** Atomic increment; a missing key is created holding `initial` (and that is returned). */
  async increment(key: string, delta: number, initial: number, exptime: number, signal?: AbortSignal): Promise<number> {
    const extras = Buffer.alloc(20);
    extras.writeBigUInt64BE(BigInt(delta), 0);
    extras.writeBigUInt64BE(BigInt(initial), 8);
    extras.writeUInt32BE(exptime, 16);
    const response = await this.#perform('incr', key, Opcode.INCREMENT, extras, '', undefined, signal);
    this.#expectOk(response, 'incr', key);
    return Number(response.val.readBigUInt64BE(0));
  }

  async touch(key: string, exptime: number, signal?: AbortSignal): Promise<boolean> {
    const extras = Buffer.alloc(4);
    extras.writeUInt32BE(exptime, 0);
    const response = await this.#perform('touch', key, Opcode.TOUCH, extras, '', undefined, signal);
    if (response.header.status === Status.NOT_FOUND) return false;
    this.#expectOk(response, 'touch', key);
    return true;
  }

  /** A no-op round trip to every server: proves each one is reachable. */
  async ping(signal?: AbortSignal): Promise<void> {
    await Promise.all(this.#servers.map((server) => this.#noop(server, signal)));
  }

  /** Warm: waits for calls in flight, then closes the sockets. Force: fails those calls with TQ_CLOSED at once. */
  async close(force = false): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    if (force) for (const reject of this.#pending) reject(closedError('close'));
    else await Promise.allSettled([...this.#inFlight]);
    this.#client.close();
  }

  #expectOk(response: Response, operation: string, key: string): void {
    if (response.header.status !== Status.OK) throw statusError(response.header.status, operation, key);
  }

  #perform(
    operation: string,
    key: string,
    opcode: number,
    extras: Buffer | string,
    value: Uint8Array | string,
    cas: Buffer | undefined,
    signal: AbortSignal | undefined,
  ): Promise<Response> {
    return this.#track(operation, signal, (seq, done) => {
      const request = Utils.makeRequestBuffer(
        opcode,
        key,
        extras,
        typeof value === 'string' ? value : Buffer.from(value.buffer, value.byteOffset, value.byteLength),
        seq,
      );
      if (cas) cas.copy(request, 16);
      this.#client.perform(key, request, seq, (error: Error | null, response: Response) => {
        done(
          error ? connectionError(error, operation, this.#client.server(key)?.toString() ?? 'memcached') : null,
          response,
        );
      });
    });
  }

  #noop(server: Server, signal: AbortSignal | undefined): Promise<Response> {
    return this.#track('ping', signal, (seq, done) => {
      server.onResponse(seq, (response) => done(null, response as unknown as Response));
      server.onError(seq, (error) => done(connectionError(error, 'ping', `${server.host}:${server.port}`), undefined));
      server.write(Utils.makeRequestBuffer(Opcode.NOOP, '', '', '', seq));
    });
  }

  #track<T>(
    operation: string,
    signal: AbortSignal | undefined,
    start: (seq: number, done: (error: Error | null, value: T | undefined) => void) => void,
  ): Promise<T> {
    if (this.#closed) return Promise.reject(closedError(operation));
    throwIfAborted(signal, `memcached ${operation}`);
    this.#client.incrSeq();
    const seq = this.#client.seq;
    const promise = new Promise<T>((resolve, reject) => {
      let settled = false;
      const finish = (error: Error | null, value?: T) => {
        if (settled) return;
        settled = true;
        this.#pending.delete(fail);
        signal?.removeEventListener('abort', onAbort);
        if (error) reject(error);
        else resolve(value as T);
      };
      const fail = (error: Error) => finish(error);
      const onAbort = () => finish(abortError(signal, `memcached ${operation}`));
      this.#pending.add(fail);
      signal?.addEventListener('abort', onAbort, { once: true });
      start(seq, (error, value) => finish(error, value));
    });
    this.#inFlight.add(promise);
    const forget = () => this.#inFlight.delete(promise);
    promise.then(forget, forget);
    return promise;
  }
}

function storeExtras(flags: number, exptime: number): Buffer {
  const extras = Buffer.alloc(8);
  extras.writeUInt32BE(flags >>> 0, 0);
  extras.writeUInt32BE(exptime >>> 0, 4);
  return extras;
}
