import { createHash } from 'node:crypto';
import type { ChainableCommander } from 'ioredis';
import type { RedisClient } from '../connection.js';

/**
 * A Lua script run with EVALSHA, falling back to EVAL when the server does not know it (after a restart or
 * SCRIPT FLUSH). Keys are always passed as KEYS so the scripts stay correct on any deployment that checks them.
 */
export class LuaScript {
  readonly sha: string;

  constructor(readonly source: string) {
    this.sha = createHash('sha1').update(source).digest('hex');
  }

  async run(client: RedisClient, keys: readonly string[], args: readonly (string | number | Buffer)[]): Promise<unknown> {
    try {
      return await client.evalsha(this.sha, keys.length, ...keys, ...args);
    } catch (error) {
      if (!isNoScript(error)) throw error;
      return await client.eval(this.source, keys.length, ...keys, ...args);
    }
  }

  /** Same, with bulk replies as Buffers (the bytes exactly as stored). */
  async runBuffer(client: RedisClient, keys: readonly string[], args: readonly (string | number | Buffer)[]): Promise<unknown> {
    try {
      return await client.callBuffer('evalsha', [this.sha, keys.length, ...keys, ...args]);
    } catch (error) {
      if (!isNoScript(error)) throw error;
      return await client.callBuffer('eval', [this.source, keys.length, ...keys, ...args]);
    }
  }

  /** Queue on a pipeline; call `ensureLoaded` first (a pipeline cannot fall back per command). */
  queue(pipeline: ChainableCommander, keys: readonly string[], args: readonly (string | number | Buffer)[]): void {
    pipeline.evalsha(this.sha, keys.length, ...keys, ...args);
  }

  async ensureLoaded(client: RedisClient): Promise<void> {
    const [known] = (await client.script('EXISTS', this.sha)) as number[];
    if (!known) await client.script('LOAD', this.source);
  }
}

function isNoScript(error: unknown): boolean {
  return error instanceof Error && error.message.startsWith('NOSCRIPT');
}
