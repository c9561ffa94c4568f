import type { Options } from 'tsup';

/**
 * The one build recipe every published package shares: dual ESM + CJS with
 * matching `.d.ts` / `.d.cts` declarations, so publint and attw both pass.
 */
export function packageBuild(entry: Record<string, string> = { index: 'src/index.ts' }): Options {
  return {
    entry,
    format: ['esm', 'cjs'],
    dts: true,
    sourcemap: true,
    clean: true,
    target: 'node20',
    platform: 'node',
    splitting: false,
    treeshake: true,
    // Keep `node:` specifiers in the output: they cannot be shadowed by a package
    // named like a built-in, and bundlers and runtimes read them as built-ins.
    removeNodeProtocol: false,
  };
}
