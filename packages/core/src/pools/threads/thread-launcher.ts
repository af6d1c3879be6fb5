import { Worker } from 'node:worker_threads';
import type { ChildMessage } from '../child/protocol.js';
import { type ChildEntry, threadBootstrap } from '../child/entry-location.js';
import type { ChildChannel, ChildExit } from '../supervised/child-channel.js';

/** Starts one worker thread running pool-child; its end of the channel is the thread's parentPort. */
export function launchThread(entry: ChildEntry): ChildChannel {
  const worker = entry.fromSource
    ? (() => {
        const { code, execArgv } = threadBootstrap(entry);
        return new Worker(code, { eval: true, execArgv });
      })()
    : new Worker(entry.url);
  let crash: Error | undefined;
  worker.on('error', (error) => {
    crash = error;
  });
  return {
    kind: 'thread',
    id: worker.threadId,
    send: (message) => worker.postMessage(message),
    onMessage: (handler) => worker.on('message', (message: ChildMessage) => handler(message)),
    onExit: (handler) => {
      worker.once('exit', (code) => {
        const exit: ChildExit = { code, signal: null, ...(crash ? { error: crash } : {}) };
        handler(exit);
      });
    },
    kill: () => void worker.terminate(),
  };
}
