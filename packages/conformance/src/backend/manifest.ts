import { assertManifestShape } from '../support/manifest.js';
import type { BackendCases } from './cases.js';

const FLAGS = ['push', 'chords', 'nativeTtl', 'shared', 'groups'] as const;

export function registerBackendManifestCases(cases: BackendCases): void {
  cases.add({
    name: 'the capabilities manifest is frozen, of this contract version, and well-formed',
    run: async (ctx) => {
      const backend = await ctx.backend();
      const caps = backend.capabilities;
      assertManifestShape(caps, FLAGS, 'maxValueBytes', 'defineBackendCapabilities');
    },
  });
}
