import type { LuaScript } from './scripts/script.js';
import type { RedisClient } from './connection.js';

interface Call {
  keys: readonly string[];
  args: readonly (string | number | Buffer)[];
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
}

/**
 * Runs of one Lua script (a worker storing the results of tasks that finished together) share pipelines of
 * EVALSHAs: while one pipeline is on the wire, the calls made meanwhile wait and go out together when it returns,
 * so a busy worker sends one write per round trip instead of one per call, and a lone call goes out at once (a
 * microtask later). Each call keeps its own outcome; a call the server answers with NOSCRIPT (after a restart or
 * SCRIPT FLUSH) runs again on its own through LuaScript.run, which falls back to EVAL.
 */
export class ScriptBatcher {
  private calls: Call[] = [];
  private scheduled = false;
  private sending = false;

  constructor(
    private readonly script: LuaScript,
    private readonly client: () => RedisClient,
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
}
