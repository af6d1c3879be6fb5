import { execFile } from 'node:child_process';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { REPO_ROOT } from './paths.js';

const run = promisify(execFile);
const SCRIPT = join(REPO_ROOT, 'tooling/services/sqs.sh');

/**
 * A private instance of tq's local SQS server on a free port, started and stopped through
 * tooling/services/sqs.sh (its pid file is per port, so `stop` ends only this instance, never a shared one).
 */
export class PrivateSqsServer {
  private constructor(readonly port: number) {}

  static async start(): Promise<PrivateSqsServer> {
    const port = await freePort();
    await run('sh', [SCRIPT, 'start'], { env: { ...process.env, SQS_PORT: String(port) }, timeout: 30_000 });
    return new PrivateSqsServer(port);
  }

  get endpoint(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  async stop(): Promise<void> {
    await run('sh', [SCRIPT, 'stop'], { env: { ...process.env, SQS_PORT: String(this.port) }, timeout: 30_000 }).catch(() => undefined);
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}
