import { mkdirSync, realpathSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import Database from 'better-sqlite3';
import { guarded } from './errors.js';
import { Notifier } from './notifier.js';
import type { ResolvedConnectionOptions } from './options.js';
import { migrate } from './schema.js';
import { Sweeper } from './sweeper.js';
import { waitForLock } from './wait-for-lock.js';
import { WriteBatcher } from './write-batcher.js';

/**
 * One better-sqlite3 connection per database file per process, shared by every transport and backend on that file
 * and reference-counted. better-sqlite3 is synchronous, so sharing is safe as long as no transaction spans an
 * await (none does). Sharing gives one prepared-statement cache, one sweeper, and in-process wake-ups: a publish
 * through the connection notifies consumers of the same process at once. `:memory:` databases are never shared.
 */
export class SqliteConnection {
  readonly db: Database.Database;
  readonly notifier = new Notifier();
  /** Group commit for acks, rejects and result stores of every instance on this connection. */
  readonly batcher = new WriteBatcher(this);
  #statements = new Map<string, Database.Statement>();
  #references = 0;
  #closed = false;
  #localVersion = 0;
  #dataVersion: Database.Statement<[], number>;
  #begin: Database.Statement;
  #commit: Database.Statement;
  #rollback: Database.Statement;
  readonly #sweeper: Sweeper;

  constructor(
    readonly key: string,
    readonly options: ResolvedConnectionOptions,
    private readonly onLastRelease: (connection: SqliteConnection) => void,
  ) {
    const filename = options.location.kind === 'memory' ? ':memory:' : options.location.filename;
    this.db = guarded('open database', () => new Database(filename, { timeout: options.busyTimeoutMs }));
    try {
      waitForLock(options.busyTimeoutMs, () =>
        guarded('configure database', () => {
          this.db.pragma(`busy_timeout = ${Math.floor(options.busyTimeoutMs)}`);
          if (options.location.kind === 'file') this.db.pragma('journal_mode = WAL');
          this.db.pragma(`synchronous = ${options.synchronous}`);
          migrate(this.db);
        }),
      );
      this.#dataVersion = this.db.prepare('PRAGMA data_version').pluck() as Database.Statement<[], number>;
      this.#begin = this.db.prepare('BEGIN IMMEDIATE');
      this.#commit = this.db.prepare('COMMIT');
      this.#rollback = this.db.prepare('ROLLBACK');
    } catch (error) {
      this.db.close();
      throw error;
    }
    this.#sweeper = new Sweeper(this, options.sweepIntervalMs);
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** A prepared statement, compiled once per connection. */
  statement<P extends unknown[] | {} = unknown[], R = unknown>(sql: string): Database.Statement<P, R> {
    let statement = this.#statements.get(sql);
    if (!statement) {
      statement = this.db.prepare(sql);
      this.#statements.set(sql, statement);
    }
    return statement as Database.Statement<P, R>;
  }

  /**
   * Runs `work` in a short BEGIN IMMEDIATE transaction (the write lock is taken up front, so two processes never
   * deadlock upgrading read locks). `work` must be synchronous.
   */
  immediate<T>(what: string, work: () => T): T {
    return guarded(what, () => {
      this.#begin.run();
      try {
        const result = work();
        this.#commit.run();
        this.#localVersion++;
        return result;
      } catch (error) {
        if (this.db.inTransaction) this.#rollback.run();
        throw error;
      }
    });
  }

  /** Runs a single write statement (autocommit) and counts it as a local change. */
  write<T>(what: string, work: () => T): T {
    const result = guarded(what, work);
    this.#localVersion++;
    return result;
  }

  /**
   * Changes whenever anything committed to the file: `PRAGMA data_version` moves on commits by other connections,
   * the local counter on commits through this one.
   */
  dataVersion(): string {
    return `${guarded('read data_version', () => this.#dataVersion.get()!)}:${this.#localVersion}`;
  }

  retain(): this {
    this.#references++;
    return this;
  }

  release(): void {
    if (this.#closed) return;
    this.#references--;
    if (this.#references > 0) return;
    this.batcher.flush();
    this.#closed = true;
    this.#sweeper.stop();
    this.#statements.clear();
    this.onLastRelease(this);
    if (this.db.open) this.db.close();
  }
}

const shared = new Map<string, SqliteConnection>();
let privateCounter = 0;

/** Returns this process's connection to the database at `options.location`, opening it on first use. */
export function acquireConnection(options: ResolvedConnectionOptions): SqliteConnection {
  if (options.location.kind === 'memory') {
    return new SqliteConnection(`:memory:#${++privateCounter}`, options, () => {}).retain();
  }
  const key = canonicalPath(options.location.filename);
  let connection = shared.get(key);
  if (!connection || connection.closed) {
    connection = new SqliteConnection(key, { ...options, location: { kind: 'file', filename: key } }, (closing) => {
      if (shared.get(closing.key) === closing) shared.delete(closing.key);
    });
    shared.set(key, connection);
  }
  return connection.retain();
}

/** Creates the directory on first use and resolves symlinks, so two spellings of one file share a connection. */
function canonicalPath(filename: string): string {
  const directory = dirname(filename);
  guarded('create database directory', () => mkdirSync(directory, { recursive: true }));
  return join(realpathSync(directory), basename(filename));
}
