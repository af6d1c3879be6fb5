import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A port nobody listens on right now. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

/**
 * A redis-server of the test's own on a random port, for tests that restart Redis, kill its connections or set a
 * password; the shared server on 6379 is never touched. Data lives in a temporary directory (AOF with fsync
 * always when `persistent`, so a restart keeps every acknowledged write).
 */
export class PrivateRedis {
  private child: ChildProcess | undefined;
  private readonly dir = mkdtempSync(join(tmpdir(), 'tq-redis-'));

  private constructor(
    readonly port: number,
    private readonly args: string[],
    private readonly tls = false,
  ) {}

  static async start(options: { persistent?: boolean; password?: string; tls?: { cert: string; key: string } } = {}): Promise<PrivateRedis> {
    const args = ['--save', '', '--bind', '127.0.0.1'];
    if (options.tls) {
      const { cert, key } = options.tls;
      args.push('--tls-cert-file', cert, '--tls-key-file', key, '--tls-ca-cert-file', cert, '--tls-auth-clients', 'no');
    }
    if (options.persistent) args.push('--appendonly', 'yes', '--appendfsync', 'always');
    else args.push('--appendonly', 'no');
    if (options.password) args.push('--requirepass', options.password);
    const server = new PrivateRedis(await freePort(), args, Boolean(options.tls));
    await server.up();
    return server;
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}/0`;
  }

  /** Starts the server (again) on the same port and data directory; resolves once it answers. */
  async up(): Promise<void> {
    const ports = this.tls ? ['--port', '0', '--tls-port', String(this.port)] : ['--port', String(this.port)];
    this.child = spawn('redis-server', [...ports, '--dir', this.dir, ...this.args], { stdio: 'ignore' });
    const deadline = Date.now() + 10_000;
    while (!(await answers(this.port, this.tls))) {
      if (Date.now() > deadline) throw new Error(`private redis-server on ${this.port} did not start`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  /** Stops the server (SIGTERM to our own child; with AOF fsync always nothing written is lost). */
  async down(): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGTERM');
    await exited;
  }

  async restart(downForMs = 0): Promise<void> {
    await this.down();
    if (downForMs > 0) await new Promise((resolve) => setTimeout(resolve, downForMs));
    await this.up();
  }

  async stop(): Promise<void> {
    await this.down();
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** True when something on the port answers PING the way Redis does (+PONG, or -NOAUTH with a password set). */
function answers(port: number, tls = false): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = tls ? tlsConnect({ port, host: '127.0.0.1', rejectUnauthorized: false }) : connect({ port, host: '127.0.0.1' });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(1000, () => done(false));
    socket.once('error', () => done(false));
    socket.once(tls ? 'secureConnect' : 'connect', () => socket.write('PING\r\n'));
    socket.once('data', (data) => done(/^[+-]/.test(data.toString())));
  });
}

/** A Sentinel of the test's own watching a private server as `mymaster` (redis-server in sentinel mode). */
export class PrivateSentinel {
  private constructor(
    readonly port: number,
    private readonly child: ChildProcess,
    private readonly dir: string,
  ) {}

  static async start(master: PrivateRedis, name = 'mymaster'): Promise<PrivateSentinel> {
    const port = await freePort();
    const dir = mkdtempSync(join(tmpdir(), 'tq-sentinel-'));
    const conf = join(dir, 'sentinel.conf');
    writeFileSync(conf, `port ${port}\nbind 127.0.0.1\ndir ${dir}\nsentinel monitor ${name} 127.0.0.1 ${master.port} 1\n`);
    const child = spawn('redis-server', [conf, '--sentinel'], { stdio: 'ignore' });
    const deadline = Date.now() + 10_000;
    while (!(await answers(port))) {
      if (Date.now() > deadline) throw new Error(`private sentinel on ${port} did not start`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    return new PrivateSentinel(port, child, dir);
  }

  async stop(): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) {
      const exited = new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
      this.child.kill('SIGTERM');
      await exited;
    }
    rmSync(this.dir, { recursive: true, force: true });
  }
}
