import type { LuaScript } from './scripts/script.js';
import type { RedisClient } from './connection.js';

interface Call {
  keys: readonly string[];
  args: readonly (string | number | Buffer)[];
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
}

/**
 * A script that does the work of many calls of a one-key script in one run: KEYS are the calls' keys, ARGV their
 * arguments in turn, and the reply has one entry per call (a string entry is that call's error).
 */
export interface BatchScript {
  script: LuaScript;
  argsPerCall: number;
}

/** Calls per run of the batch script (bounds how long one run holds the server). */
const BATCH_CALLS = 500;

/**
 * Runs of one Lua script (a worker storing the results of tasks that finished together) share round trips: while
 * one batch is on the wire, the calls made meanwhile wait and go out together when it returns, so a busy worker
 * sends one write per round trip instead of one per call, and a lone call goes out at once (a microtask later).
 * With a batch script, a batch is one script run per BATCH_CALLS calls (one EVALSHA parsed, run and answered
 * instead of hundreds); without, a pipeline of EVALSHAs. Each call keeps its own outcome; a script the server
 * does not know (after a restart or SCRIPT FLUSH) runs through LuaScript.run, which falls back to EVAL.
 */
export class ScriptBatcher {
  private calls: Call[] = [];
  private scheduled = false;
  private sending = false;

  constructor(
    private readonly script: LuaScript,
    private readonly client: () => RedisClient,
    private readonly batch?: BatchScript,
  ) {}

  run(keys: readonly string[], args: readonly (string | number | Buffer)[]): Promise<unknown> {
    return new Promise((resolve, reject) => {
      this.calls.push({ keys, args, resolve, reject });
      if (!this.sending && !this.scheduled) {
        this.scheduled = true;
        queueMicrotask(() => void this.flush());
      }
    });
  }

  private async flush(): Promise<void> {
    this.scheduled = false;
    const calls = this.calls;
    this.calls = [];
    if (calls.length === 0) return;
    this.sending = true;
    try {
      await this.send(calls);
    } finally {
      this.sending = false;
      if (this.calls.length > 0) void this.flush();
    }
  }

  private async send(calls: Call[]): Promise<void> {
    if (calls.length === 1) {
      const [call] = calls as [Call];
      await this.script.run(this.client(), call.keys, call.args).then(call.resolve, call.reject);
      return;
    }
    const batch = this.batch;
    if (batch && calls.every((call) => call.keys.length === 1 && call.args.length === batch.argsPerCall)) {
      const runs: Promise<void>[] = [];
      for (let i = 0; i < calls.length; i += BATCH_CALLS) runs.push(this.sendBatch(batch.script, calls.slice(i, i + BATCH_CALLS)));
      await Promise.all(runs);
      return;
    }
    const pipeline = this.client().pipeline();
    for (const call of calls) this.script.queue(pipeline, call.keys, call.args);
    let results: [Error | null, unknown][] | null;
    try {
      results = await pipeline.exec();
    } catch (error) {
      for (const call of calls) call.reject(error);
      return;
    }
    for (const [i, call] of calls.entries()) {
      const [error, value] = results?.[i] ?? [new Error('no reply for a pipelined script call'), undefined];
      if (!error) call.resolve(value);
      else if (error.message.startsWith('NOSCRIPT')) void this.script.run(this.client(), call.keys, call.args).then(call.resolve, call.reject);
      else call.reject(error);
    }
  }

  private async sendBatch(script: LuaScript, calls: Call[]): Promise<void> {
    const keys: string[] = [];
    const args: (string | number | Buffer)[] = [];
    for (const call of calls) {
      keys.push(call.keys[0] as string);
      args.push(...call.args);
    }
    let replies: unknown;
    try {
      replies = await script.run(this.client(), keys, args);
    } catch (error) {
      for (const call of calls) call.reject(error);
      return;
    }
    for (const [i, call] of calls.entries()) {
      const reply = Array.isArray(replies) ? replies[i] : undefined;
      if (typeof reply === 'number') call.resolve(reply);
      else call.reject(new Error(typeof reply === 'string' ? reply : 'no reply for a batched script call'));
    }
  }
}
