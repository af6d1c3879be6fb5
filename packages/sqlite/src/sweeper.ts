import type { SqliteConnection } from './connection.js';

const BATCH = 500;

/**
 * Deletes what has expired, a bounded batch per table per transaction so no sweep holds the write lock for long:
 * results, groups and chords past their TTL, messages whose TTL passed before they were delivered, and broadcasts
 * past their retention. Reads also ignore (and lazily delete) expired rows, so the sweep only bounds growth.
 * Every process sweeps on its own timer (unref'd: it never keeps a process alive); the deletes are idempotent.
 */
const SWEEPS: readonly string[] = [
  `DELETE FROM tq_results WHERE rowid IN
     (SELECT rowid FROM tq_results WHERE expires_at <= @now LIMIT ${BATCH})`,
  `DELETE FROM tq_groups WHERE rowid IN
     (SELECT rowid FROM tq_groups WHERE expires_at <= @now LIMIT ${BATCH})`,
  `DELETE FROM tq_chord_parts WHERE group_id IN
     (SELECT group_id FROM tq_chords WHERE expires_at <= @now LIMIT ${BATCH})`,
  `DELETE FROM tq_chords WHERE rowid IN
     (SELECT rowid FROM tq_chords WHERE expires_at <= @now LIMIT ${BATCH})`,
  `DELETE FROM tq_messages WHERE id IN
     (SELECT id FROM tq_messages WHERE expires_at <= @now AND (state <> 2 OR visible_at <= @now) LIMIT ${BATCH})`,
  `DELETE FROM tq_broadcasts WHERE id IN
     (SELECT id FROM tq_broadcasts WHERE expires_at <= @now LIMIT ${BATCH})`,
];

export class Sweeper {
  #timer: NodeJS.Timeout | undefined;
  #again: NodeJS.Immediate | undefined;

  constructor(
    private readonly connection: SqliteConnection,
    intervalMs: number,
  ) {
    if (intervalMs > 0) {
      this.#timer = setInterval(() => this.sweep(), intervalMs);
      this.#timer.unref();
    }
  }

  /** One round; schedules another at once when a batch was full. Errors (a busy lock) wait for the next round. */
  sweep(): number {
    if (this.connection.closed) return 0;
    let deleted = 0;
    let full = false;
    try {
      const now = Date.now();
      for (const sql of SWEEPS) {
        const changes = this.connection.immediate('sweep', () => this.connection.statement(sql).run({ now }).changes);
        deleted += changes;
        if (changes >= BATCH) full = true;
      }
    } catch {
      return deleted;
    }
    if (full && !this.#again) {
      this.#again = setImmediate(() => {
        this.#again = undefined;
        this.sweep();
      });
      this.#again.unref();
    }
    return deleted;
  }

  stop(): void {
    if (this.#timer) clearInterval(this.#timer);
    if (this.#again) clearImmediate(this.#again);
    this.#timer = undefined;
    this.#again = undefined;
  }
}
