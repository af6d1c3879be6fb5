import type Database from 'better-sqlite3';
import { ErrorCodes, TqError } from '@tq/core';

/**
 * The schema is versioned in tq's own `tq_meta` table (not `PRAGMA user_version`, which belongs to whoever owns the
 * file if tq shares it with an application). Each migration runs once, inside BEGIN IMMEDIATE, so processes that
 * open a new file at the same moment do not race. A file written by a newer tq is refused rather than guessed at.
 *
 * Message states: 0 = ready, 1 = delayed (visible_at in the future), 2 = leased (visible_at = lease end).
 * Ready messages are claimed in (priority DESC, id) order from a partial index holding only ready rows, so leased
 * and delayed messages never slow the claim; they become ready again through the `waiting` index once their time
 * has come.
 */
const MIGRATIONS: readonly string[] = [
  `
  CREATE TABLE tq_messages (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    queue TEXT NOT NULL,
    state INTEGER NOT NULL,
    priority INTEGER NOT NULL,
    visible_at INTEGER NOT NULL,
    expires_at INTEGER,
    delivery_count INTEGER NOT NULL DEFAULT 0,
    exchange TEXT NOT NULL,
    routing_key TEXT NOT NULL,
    content_type TEXT NOT NULL,
    content_encoding TEXT NOT NULL,
    headers TEXT NOT NULL,
    properties TEXT NOT NULL,
    body BLOB NOT NULL
  );
  CREATE INDEX tq_messages_ready ON tq_messages (queue, priority DESC, id) WHERE state = 0;
  CREATE INDEX tq_messages_waiting ON tq_messages (queue, visible_at) WHERE state <> 0;
  CREATE INDEX tq_messages_expiry ON tq_messages (expires_at) WHERE expires_at IS NOT NULL;

  CREATE TABLE tq_queues (
    name TEXT PRIMARY KEY,
    dead_letter_queue TEXT,
    max_priority INTEGER,
    durable INTEGER NOT NULL DEFAULT 1,
    auto_delete INTEGER NOT NULL DEFAULT 0
  );
  CREATE TABLE tq_exchanges (name TEXT PRIMARY KEY, type TEXT NOT NULL, durable INTEGER NOT NULL DEFAULT 1);
  CREATE TABLE tq_bindings (
    exchange TEXT NOT NULL,
    routing_key TEXT NOT NULL,
    queue TEXT NOT NULL,
    PRIMARY KEY (exchange, routing_key, queue)
  );
  CREATE INDEX tq_bindings_queue ON tq_bindings (queue);

  CREATE TABLE tq_broadcasts (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    exchange TEXT NOT NULL,
    routing_key TEXT NOT NULL,
    expires_at INTEGER NOT NULL,
    content_type TEXT NOT NULL,
    content_encoding TEXT NOT NULL,
    headers TEXT NOT NULL,
    properties TEXT NOT NULL,
    body BLOB NOT NULL
  );
  CREATE INDEX tq_broadcasts_exchange ON tq_broadcasts (exchange, id);
  CREATE INDEX tq_broadcasts_expiry ON tq_broadcasts (expires_at);

  CREATE TABLE tq_results (task_id TEXT PRIMARY KEY, status TEXT NOT NULL, meta TEXT NOT NULL, expires_at INTEGER);
  CREATE INDEX tq_results_expiry ON tq_results (expires_at) WHERE expires_at IS NOT NULL;
  CREATE TABLE tq_groups (group_id TEXT PRIMARY KEY, meta TEXT NOT NULL, expires_at INTEGER);
  CREATE INDEX tq_groups_expiry ON tq_groups (expires_at) WHERE expires_at IS NOT NULL;
  CREATE TABLE tq_chords (
    group_id TEXT PRIMARY KEY,
    size INTEGER,
    completed INTEGER NOT NULL DEFAULT 0,
    expires_at INTEGER
  );
  CREATE INDEX tq_chords_expiry ON tq_chords (expires_at) WHERE expires_at IS NOT NULL;
  CREATE TABLE tq_chord_parts (
    group_id TEXT NOT NULL,
    task_id TEXT NOT NULL,
    part_index INTEGER NOT NULL,
    state TEXT NOT NULL,
    result TEXT NOT NULL,
    PRIMARY KEY (group_id, task_id)
  );
  `,
];

export const SCHEMA_VERSION = MIGRATIONS.length;

export function migrate(db: Database.Database): void {
  db.exec('CREATE TABLE IF NOT EXISTS tq_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)');
  const read = db.prepare<[], { value: string }>("SELECT value FROM tq_meta WHERE key = 'schema_version'");
  const quick = Number(read.get()?.value ?? 0);
  if (quick === SCHEMA_VERSION) return;
  db.transaction(() => {
    const current = Number(read.get()?.value ?? 0);
    if (current > SCHEMA_VERSION) {
      throw new TqError(
        ErrorCodes.INVALID_CONFIG,
        `sqlite: the database has tq schema version ${current}, newer than this tq understands (${SCHEMA_VERSION})`,
        { details: { current, supported: SCHEMA_VERSION } },
      );
    }
    for (let version = current; version < SCHEMA_VERSION; version++) db.exec(MIGRATIONS[version]!);
    db.prepare(
      "INSERT INTO tq_meta (key, value) VALUES ('schema_version', ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
    ).run(String(SCHEMA_VERSION));
  }).immediate();
}
