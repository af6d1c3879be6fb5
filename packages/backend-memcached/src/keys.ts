import { ErrorCodes, TqError } from '@tq/core';

/** memcached's key length limit; python-memcached also refuses control characters and spaces, so we do too. */
const MAX_KEY_BYTES = 250;

/**
 * Celery's key-value backend keys (celery/backends/base.py `BaseKeyValueStoreBackend`), behind an optional
 * prefix: `celery-task-meta-<id>`, `celery-taskset-meta-<gid>`, and the chord counter `chord-unlock-<gid>`.
 * The chord's other state is tq's own and hangs off the counter's name (`chord-unlock-<gid>.size`, `.part.<i>`,
 * `.done`), so Celery never reads it and a prefix scan finds it together.
 */
export class KeyScheme {
  constructor(readonly prefix: string) {
    if (hasForbiddenByte(prefix)) {
      throw new TqError(
        ErrorCodes.INVALID_CONFIG,
        'memcached: keyPrefix must not contain spaces or control characters',
        {
          details: { keyPrefix: prefix },
        },
      );
    }
  }

  task(taskId: string): string {
    return this.#key('celery-task-meta-', taskId, 'task id');
  }

  group(groupId: string): string {
    return this.#key('celery-taskset-meta-', groupId, 'group id');
  }

  chordCounter(groupId: string): string {
    return this.#key('chord-unlock-', groupId, 'group id');
  }

  chordSize(groupId: string): string {
    return `${this.chordCounter(groupId)}.size`;
  }

  chordPart(groupId: string, index: number): string {
    return this.#check(`${this.chordCounter(groupId)}.part.${index}`, groupId);
  }

  chordDone(groupId: string): string {
    return `${this.chordCounter(groupId)}.done`;
  }

  #key(kind: string, id: string, what: string): string {
    if (typeof id !== 'string' || id === '') {
      throw new TqError(ErrorCodes.INVALID_CONFIG, `memcached: ${what} must be a non-empty string`, {
        details: { id },
      });
    }
    // The longest suffix a chord key adds, so a group id that fits here fits in every derived key.
    return this.#check(`${this.prefix}${kind}${id}`, id, kind === 'chord-unlock-' ? 20 : 0);
  }

  #check(key: string, id: string, reserve = 0): string {
    if (hasForbiddenByte(key)) {
      throw new TqError(
        ErrorCodes.INVALID_CONFIG,
        `memcached: id ${JSON.stringify(id)} contains spaces or control characters`,
        {
          details: { id },
        },
      );
    }
    const bytes = Buffer.byteLength(key);
    if (bytes + reserve > MAX_KEY_BYTES) {
      throw new TqError(
        ErrorCodes.INVALID_CONFIG,
        `memcached: key for ${JSON.stringify(id)} is ${bytes} bytes (limit ${MAX_KEY_BYTES})`,
        {
          details: { id, bytes },
        },
      );
    }
    return key;
  }
}

/** Spaces, control characters and DEL: what python-memcached's check_key refuses (and the text protocol cannot carry). */
function hasForbiddenByte(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code <= 0x20 || code === 0x7f) return true;
  }
  return false;
}
