import { ErrorCodes, TqError } from '../errors/index.js';
import { formatIsoDateTime } from '../serialization/iso-datetime.js';
import type { SignatureDict } from './task-message.js';

/**
 * Typed reads of the fields of a task message (the v2 headers, or the v1 body dict, which carry the same
 * names). A missing or null field takes its default; a field present with the wrong type makes the message
 * malformed (TQ_MALFORMED_MESSAGE naming the field), since guessing could run a task early or twice.
 */
export class TaskFields {
  constructor(
    private readonly fields: Record<string, unknown>,
    private readonly details: Record<string, unknown>,
  ) {}

  malformed(message: string, extra: Record<string, unknown> = {}): TqError {
    return new TqError(ErrorCodes.MALFORMED_MESSAGE, message, { details: { ...this.details, ...extra } });
  }

  private value(name: string): unknown {
    const value = this.fields[name];
    return value === null ? undefined : value;
  }

  private wrongType(name: string, expected: string): TqError {
    const got = this.fields[name];
    const shown = typeof got === 'object' ? (Array.isArray(got) ? 'an array' : 'an object') : JSON.stringify(got);
    return this.malformed(`task message field ${name} must be ${expected}, got ${shown}`, { field: name });
  }

  requiredString(name: string): string {
    const value = this.value(name);
    if (typeof value !== 'string' || value === '') {
      if (value === undefined) throw this.malformed(`task message has no ${name}`, { field: name });
      throw this.wrongType(name, 'a non-empty string');
    }
    return value;
  }

  string(name: string): string | null {
    const value = this.value(name);
    if (value === undefined) return null;
    if (typeof value !== 'string') throw this.wrongType(name, 'a string');
    return value;
  }

  integer(name: string): number | null {
    const value = this.value(name);
    if (value === undefined) return null;
    if (typeof value !== 'number' || !Number.isInteger(value)) throw this.wrongType(name, 'an integer');
    return value;
  }

  boolean(name: string): boolean | undefined {
    const value = this.value(name);
    if (value === undefined) return undefined;
    if (typeof value !== 'boolean') throw this.wrongType(name, 'a boolean');
    return value;
  }

  /** An ISO-8601 string; a Date (a transport that revived kombu's datetime tag) is formatted back. */
  isoDate(name: string): string | null {
    const value = this.value(name);
    if (value === undefined) return null;
    if (typeof value === 'string') return value;
    if (value instanceof Date && !Number.isNaN(value.getTime())) return formatIsoDateTime(value);
    throw this.wrongType(name, 'an ISO-8601 string');
  }

  /** Celery's `[hard, soft]`, each seconds or null. */
  timelimit(name: string): [number | null, number | null] {
    const value = this.value(name);
    if (value === undefined) return [null, null];
    if (!Array.isArray(value) || value.length > 2 || !isLimit(value[0]) || !isLimit(value[1])) {
      throw this.wrongType(name, '[hard, soft] (numbers or null)');
    }
    return [(value[0] as number | undefined) ?? null, (value[1] as number | undefined) ?? null];
  }

  signatures(name: string): SignatureDict[] | null {
    const value = this.value(name);
    if (value === undefined) return null;
    if (!Array.isArray(value) || !value.every(isRecord)) throw this.wrongType(name, 'a list of signatures');
    return value as SignatureDict[];
  }

  signature(name: string): SignatureDict | null {
    const value = this.value(name);
    if (value === undefined) return null;
    if (!isRecord(value)) throw this.wrongType(name, 'a signature');
    return value as SignatureDict;
  }
}

function isLimit(item: unknown): boolean {
  return item === null || item === undefined || typeof item === 'number';
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return (
    typeof value === 'object' &&
    value !== null &&
    !Array.isArray(value) &&
    !(value instanceof Uint8Array) &&
    !(value instanceof Date)
  );
}
