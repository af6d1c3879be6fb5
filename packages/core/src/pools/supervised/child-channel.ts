import type { ChildMessage, ParentMessage } from '../child/protocol.js';

/** How a thread or child process ended. */
export interface ChildExit {
  code: number | null;
  signal: string | null;
  /** The uncaught error that ended a thread, or a spawn failure. */
  error?: Error;
}

/**
 * The parent's end of one thread or child process: what the supervising pool needs, whatever runs underneath.
 * `onExit` fires exactly once, however the child ends.
 */
export interface ChildChannel {
  readonly kind: 'thread' | 'process';
  /** Process id (prefork) or thread id (threads), for logs. */
  readonly id: number;
  send(message: ParentMessage): void;
  onMessage(handler: (message: ChildMessage) => void): void;
  onExit(handler: (exit: ChildExit) => void): void;
  /** Stops it now: SIGKILL for a process, terminate() for a thread. */
  kill(): void;
}

export type ChildLauncher = () => ChildChannel;

export function describeExit(exit: ChildExit): string {
  if (exit.error) return `crashed: ${exit.error.message}`;
  if (exit.signal) return `was killed by ${exit.signal}`;
  return `exited with code ${exit.code}`;
}
