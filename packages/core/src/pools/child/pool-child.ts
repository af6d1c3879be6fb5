import { getHeapStatistics } from 'node:v8';
import { isMainThread, parentPort, threadId } from 'node:worker_threads';
import { ChildRuntime, type ParentLink } from './child-runtime.js';
import type { ChildMessage, ParentMessage } from './protocol.js';

/**
 * Entry point of every `threads` thread and `prefork` child process (built to dist/pool-child.js). It only picks
 * the channel to the pool; ChildRuntime does the rest.
 */
function threadLink(): ParentLink {
  const port = parentPort!;
  return {
    pid: process.pid,
    threadId,
    send: (message: ChildMessage) => port.postMessage(message),
    onMessage: (handler) => port.on('message', (message: ParentMessage) => handler(message)),
    // A thread shares the process's RSS; its own V8 heap is what a thread can be recycled for.
    memoryKb: () => Math.round(getHeapStatistics().used_heap_size / 1024),
    exit: (code) => process.exit(code),
  };
}

function processLink(): ParentLink {
  const send = process.send!.bind(process);
  // IPC sends are asynchronous: exit only once every message has left, so a startup-failed report is not lost.
  let pending = 0;
  let exitCode: number | undefined;
  const exitWhenFlushed = () => {
    if (exitCode !== undefined && pending === 0) process.exit(exitCode);
  };
  return {
    pid: process.pid,
    threadId: 0,
    send: (message: ChildMessage) => {
      pending++;
      try {
        send(message, (error: Error | null) => {
          pending--;
          if (error) process.exit(1);
          exitWhenFlushed();
        });
      } catch (error) {
        pending--;
        throw error;
      }
    },
    onMessage: (handler) => process.on('message', (message) => handler(message as ParentMessage)),
    memoryKb: () => Math.round(process.memoryUsage.rss() / 1024),
    exit: (code) => {
      exitCode = code;
      exitWhenFlushed();
    },
  };
}

function main(): void {
  if (!isMainThread && parentPort) {
    start(threadLink());
    return;
  }
  if (typeof process.send === 'function') {
    // The pool going away (even killed) closes the channel: never outlive it.
    process.on('disconnect', () => process.exit(1));
    start(processLink());
    return;
  }
  process.stderr.write('[tq] pool-child is started by the threads and prefork pools, not directly\n');
  process.exitCode = 1;
}

function start(link: ParentLink): void {
  const runtime = new ChildRuntime(link);
  process.on('unhandledRejection', (reason) => runtime.reportBackgroundError(reason));
}

main();
