import { defineConfig } from 'tsup';
import { packageBuild } from '../../tsup.base';

// Two entries: the suites (which import vitest, ESM-only) and the fault wrappers
// alone (no vitest), so the wrappers also load from CommonJS.
export default defineConfig(packageBuild({ index: 'src/index.ts', faults: 'src/faults/index.ts' }));
