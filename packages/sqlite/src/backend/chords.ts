import type { ChordPart, ChordProgress } from '@tq/core';
import { ErrorCodes, TqError } from '@tq/core';
import type { SqliteConnection } from '../connection.js';
import { fromJson, toJson } from '../errors.js';

/**
 * Chord bookkeeping in tq_chords (size, completed flag, expiry) and tq_chord_parts (one row per finished header
 * task, keyed by task id so a redelivered part is not counted twice). Everything runs inside one BEGIN IMMEDIATE
 * transaction, so exactly one caller sees the part count reach the size. On completion the parts are deleted and
 * the chord row is kept as a small tombstone (completed = 1) until it expires, so a part delivered again after
 * completion (at-least-once delivery) cannot complete the chord a second time; only setChordSize starts a new
 * chord under that id. Parts are deleted at completion, so a tombstone holds no parts.
 */
/** Sets the size; on a completed chord's tombstone it starts a new chord under the same id, counting from zero. */
export function setChordSize(
  connection: SqliteConnection,
  groupId: string,
  size: number,
  expiresAt: number | null,
): void {
  connection.write('set chord size', () =>
    connection
      .statement(
        `INSERT INTO tq_chords (group_id, size, completed, expires_at) VALUES (?, ?, 0, ?)
         ON CONFLICT(group_id) DO UPDATE SET size = excluded.size, completed = 0, expires_at = excluded.expires_at`,
      )
      .run(groupId, size, expiresAt),
  );
}

const TOMBSTONE_MS = 86_400_000;

interface ChordRow {
  size: number | null;
  completed: number;
  expires_at: number | null;
}

interface PartRow {
  task_id: string;
  part_index: number;
  state: string;
  result: string;
}

export function chordPartCompleted(
  connection: SqliteConnection,
  groupId: string,
  part: ChordPart,
  size: number | undefined,
  expiresAt: number | null,
): ChordProgress {
  const result = toJson(part.result, 'chord part result');
  return connection.immediate('complete chord part', () => {
    const now = Date.now();
    let chord = connection
      .statement('SELECT size, completed, expires_at FROM tq_chords WHERE group_id = ?')
      .get(groupId) as ChordRow | undefined;
    if (chord && chord.expires_at !== null && chord.expires_at <= now) {
      connection.statement('DELETE FROM tq_chord_parts WHERE group_id = ?').run(groupId);
      connection.statement('DELETE FROM tq_chords WHERE group_id = ?').run(groupId);
      chord = undefined;
    }
    if (chord?.completed) return { complete: false };
    const total = chord?.size ?? size;
    if (total === undefined || total === null) {
      throw new TqError(
        ErrorCodes.INVALID_CONFIG,
        `sqlite: chord ${groupId} has no size: call setChordSize or pass size`,
        {
          details: { groupId },
        },
      );
    }
    connection
      .statement(
        `INSERT INTO tq_chords (group_id, size, completed, expires_at) VALUES (?, ?, 0, ?)
         ON CONFLICT(group_id) DO UPDATE SET size = coalesce(tq_chords.size, excluded.size), expires_at = excluded.expires_at`,
      )
      .run(groupId, total, expiresAt);
    connection
      .statement(
        'INSERT OR IGNORE INTO tq_chord_parts (group_id, task_id, part_index, state, result) VALUES (?, ?, ?, ?, ?)',
      )
      .run(groupId, part.taskId, part.index, part.state, result);
    const count = connection
      .statement('SELECT count(*) FROM tq_chord_parts WHERE group_id = ?')
      .pluck()
      .get(groupId) as number;
    if (count < total) return { complete: false };
    const rows = connection
      .statement(
        'SELECT task_id, part_index, state, result FROM tq_chord_parts WHERE group_id = ? ORDER BY part_index, task_id',
      )
      .all(groupId) as PartRow[];
    connection.statement('DELETE FROM tq_chord_parts WHERE group_id = ?').run(groupId);
    // A chord kept forever still leaves no tombstone forever: it goes after a day.
    connection
      .statement('UPDATE tq_chords SET completed = 1, expires_at = coalesce(expires_at, ?) WHERE group_id = ?')
      .run(now + TOMBSTONE_MS, groupId);
    const parts: ChordPart[] = rows.map((row) => ({
      taskId: row.task_id,
      index: row.part_index,
      state: row.state,
      result: fromJson(row.result, 'chord part result'),
    }));
    return { complete: true, parts };
  });
}
