import { defineConfig } from 'tsup';
import { packageBuild } from '../../tsup.base';

// Two entry points sharing one copy of every module (code splitting): a class
// imported from `@cache/sql` and from `@cache/sql/internal` is the same class.
export default defineConfig({
  ...packageBuild({ index: 'src/index.ts', internal: 'src/internal.ts' }),
  splitting: true,
});
