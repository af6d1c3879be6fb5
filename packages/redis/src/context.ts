import type { ExchangeType, TqError } from '@tq/core';
import type { KeyLayout } from './keys.js';
import type { ResolvedTransportOptions } from './options.js';
import { FETCH_LUA } from './scripts/fetch.js';
import { OWNED_ACK_LUA, RELEASE_MUTEX_LUA, RESTORE_LUA } from './scripts/restore.js';
import { LuaScript } from './scripts/script.js';
import type { RedisConnectionConfig } from './url.js';
import type { RedisClient } from './connection.js';

export const SCRIPTS = {
  fetch: new LuaScript(FETCH_LUA),
  restore: new LuaScript(RESTORE_LUA),
  ownedAck: new LuaScript(OWNED_ACK_LUA),
  releaseMutex: new LuaScript(RELEASE_MUTEX_LUA),
} as const;

/** What the transport's parts (consumers, restorer, lease keeper) share. */
export interface TransportContext {
  readonly options: ResolvedTransportOptions;
  readonly keys: KeyLayout;
  readonly config: RedisConnectionConfig;
  /** The shared command connection; throws TQ_CLOSED after close. */
  command(): RedisClient;
  isClosed(): boolean;
  report(error: TqError): void;
  exchangeType(exchange: string): ExchangeType | undefined;
  /** The queue whose list receives a queue's rejected and malformed messages (`<queue>.dead` by default). */
  deadLetterQueue(queue: string): string;
}
