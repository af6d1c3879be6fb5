import assert from 'node:assert/strict';
import { type ErrorCode, TqError } from '@tq/core';
import { format } from './timing.js';

/**
 * Runs `action` (which may throw synchronously or reject) and asserts it fails with a TqError carrying `code`
 * (any of `code` when a list; any TqError code when `'any'`). Returns the error for further checks.
 */
export async function assertTqError(
  what: string,
  action: () => unknown,
  code: ErrorCode | readonly ErrorCode[] | 'any',
): Promise<TqError> {
  let outcome: { threw: true; error: unknown } | { threw: false; value: unknown };
  try {
    outcome = { threw: false, value: await action() };
  } catch (error) {
    outcome = { threw: true, error };
  }
  const expected = code === 'any' ? 'a TqError' : `TqError ${Array.isArray(code) ? code.join(' or ') : code}`;
  if (!outcome.threw) assert.fail(`${what}: expected ${expected}, but it succeeded with ${format(outcome.value)}`);
  const { error } = outcome;
  if (!TqError.is(error)) assert.fail(`${what}: expected ${expected}, got ${format(error)} (not a TqError)`);
  if (code !== 'any') {
    const codes: readonly ErrorCode[] = Array.isArray(code) ? code : [code as ErrorCode];
    if (!codes.includes(error.code)) assert.fail(`${what}: expected ${expected}, got ${format(error)}`);
  }
  return error;
}

/** Either succeeds or fails with a TqError: what a call on a half-valid state may do, never crash otherwise. */
export async function succeedsOrTqError(what: string, action: () => unknown): Promise<'ok' | TqError> {
  try {
    await action();
    return 'ok';
  } catch (error) {
    if (TqError.is(error)) return error;
    assert.fail(`${what}: expected success or a TqError, got ${format(error)}`);
  }
}
