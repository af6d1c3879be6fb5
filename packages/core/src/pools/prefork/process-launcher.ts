import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { ChildMessage } from '../child/protocol.js';
import { type ChildEntry, sourceExecArgv } from '../child/entry-location.js';
import type { ChildChannel, ChildExit } from '../supervised/child-channel.js';

/** Node options not to pass on: a second debugger on the same port would stop the child from starting. */
const NOT_INHERITED = /^--(inspect|debug)/;

/**
 * Forks one child process running pool-child. IPC uses `serialization: 'advanced'` so arguments and results
 * cross by structured clone (Dates, Maps, typed arrays), as with threads.
 */
export function launchProcess(entry: ChildEntry): ChildChannel {
  const inherited = process.execArgv.filter((arg) => !NOT_INHERITED.test(arg));
  const child = fork(fileURLToPath(entry.url), [], {
    execArgv: [...inherited, ...sourceExecArgv(entry, inherited)],
    serialization: 'advanced',
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  let failure: Error | undefined;
  let exited: ChildExit | undefined;
  const exitHandlers: Array<(exit: ChildExit) => void> = [];
  const finish = (exit: ChildExit) => {
    if (exited) return;
    exited = exit;
    for (const handler of exitHandlers.splice(0)) handler(exit);
  };
  child.on('error', (error) => {
    failure ??= error;
    // A child that never spawned emits no 'exit'.
    if (child.pid === undefined) finish({ code: null, signal: null, error });
  });
  child.on('exit', (code, signal) => finish({ code, signal, ...(failure && code === null && signal === null ? { error: failure } : {}) }));
  return {
    kind: 'process',
    id: child.pid ?? 0,
    send: (message) => {
      // A failed send means the channel closed: the child is exiting, and its exit reports the job.
      if (child.connected) {
        child.send(message, (error) => {
          if (error) failure ??= error;
        });
      }
    },
    onMessage: (handler) => child.on('message', (message) => handler(message as ChildMessage)),
    onExit: (handler) => {
      if (exited) handler(exited);
      else exitHandlers.push(handler);
    },
    kill: () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    },
  };
}
