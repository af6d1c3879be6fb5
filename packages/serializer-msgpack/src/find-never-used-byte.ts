import { C1 } from 'msgpackr';

/**
 * msgpackr returns a marker object for 0xc1 (the byte msgpack reserves as "never used") instead of failing, where
 * Python's msgpack raises. Returns true when the decoded value holds that marker anywhere. Read-only walk; decoded
 * values are trees (msgpackr's reference extension is off), so no cycle guard is needed.
 */
export function containsNeverUsedByte(value: unknown): boolean {
  if (value === null || typeof value !== 'object') return false;
  if (value === C1) return true;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) if (containsNeverUsedByte(value[i])) return true;
    return false;
  }
  if (value instanceof Uint8Array || value instanceof Date) return false;
  if (value instanceof Map) {
    for (const [key, item] of value) if (containsNeverUsedByte(key) || containsNeverUsedByte(item)) return true;
    return false;
  }
  for (const key in value) {
    if (containsNeverUsedByte((value as Record<string, unknown>)[key])) return true;
  }
  return false;
}
