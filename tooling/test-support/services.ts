import { connect } from 'node:net';
import { randomUUID } from 'node:crypto';

/**
 * Tests that need a real service call `serviceAvailable` once at module load (top-level await) and gate their
 * `describe` on it. Locally an absent service skips with a loud reason; under CI=true it is a failure, because a
 * CI run that skipped the broker tests proved nothing.
 */
export async function serviceAvailable(name: string, host: string, port: number, timeoutMs = 1500): Promise<boolean> {
  const up = await reachable(host, port, timeoutMs);
  if (up) return true;
  const reason = `${name} is not reachable at ${host}:${port}`;
  if (process.env.CI === 'true') throw new Error(`${reason}; under CI=true this is a failure (run \`pnpm services\`)`);
  console.warn(`\n!!! SKIPPING ${name} tests: ${reason}. Start it with \`pnpm services\`. !!!\n`);
  return false;
}

/** True when something accepts TCP connections at host:port within the timeout. */
export function reachable(host: string, port: number, timeoutMs = 1500): Promise<boolean> {
  return new Promise<boolean>((resolve) => {
    const socket = connect({ host, port });
    const timer = setTimeout(() => {
      socket.destroy();
      resolve(false);
    }, timeoutMs);
    socket.once('connect', () => {
      clearTimeout(timer);
      socket.end();
      resolve(true);
    });
    socket.once('error', () => {
      clearTimeout(timer);
      resolve(false);
    });
  });
}

/** A name no other test (or concurrent run) uses: queues, key prefixes, exchanges. */
export function uniqueName(prefix: string): string {
  return `tqtest.${prefix}.${randomUUID().slice(0, 8)}`;
}
