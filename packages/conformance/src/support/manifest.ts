import assert from 'node:assert/strict';
import { CONTRACT_VERSION } from '@tq/core';

/**
 * What every capabilities manifest must be, transport or backend: frozen, of the contract version this kit checks,
 * its flags booleans and its size limit a positive number (Infinity when unbounded).
 */
export function assertManifestShape<C extends { contractVersion: number }>(
  caps: C,
  flags: readonly (keyof C & string)[],
  sizeLimit: keyof C & string,
  builder: string,
): void {
  assert.ok(Object.isFrozen(caps), `capabilities must be frozen (build them with ${builder})`);
  assert.equal(
    caps.contractVersion,
    CONTRACT_VERSION,
    `capabilities.contractVersion is ${caps.contractVersion}, but this kit checks contract version ${CONTRACT_VERSION}`,
  );
  for (const flag of flags) {
    assert.equal(typeof caps[flag], 'boolean', `capabilities.${flag} must be a boolean, got ${String(caps[flag])}`);
  }
  const limit = caps[sizeLimit];
  assert.ok(
    typeof limit === 'number' && limit > 0,
    `capabilities.${sizeLimit} must be a positive number (Infinity when unbounded), got ${String(limit)}`,
  );
}
