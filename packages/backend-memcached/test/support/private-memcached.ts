import { type ChildProcess, spawn } from 'node:child_process';
import { createServer, connect } from 'node:net';

/**
 * A memcached of our own on a free port, for tests that need a second server or a different item size limit
 * without touching the shared one on 11211. Stop it with `stop()` (kills only this child).
 */
export interface PrivateMemcached {
  port: number;
  url: string;
  stop(): Promise<void>;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port')),
      );
    });
  });
}

async function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.end();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

export async function startPrivateMemcached(extraArgs: string[] = []): Promise<PrivateMemcached> {
  const port = await freePort();
  const asRoot = process.getuid?.() === 0 ? ['-u', 'root'] : [];
  const child: ChildProcess = spawn(
    'memcached',
    [...asRoot, '-l', '127.0.0.1', '-p', String(port), '-U', '0', ...extraArgs],
    {
      stdio: 'ignore',
    },
  );
  for (let attempt = 0; attempt < 100 && !(await listening(port)); attempt++) {
    if (child.exitCode !== null) throw new Error(`memcached exited with ${child.exitCode}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return {
    port,
    url: `127.0.0.1:${port}`,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}
