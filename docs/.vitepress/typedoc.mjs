// TypeDoc: the API reference of every public package, from the TSDoc comments of its
// src/index.ts, as VitePress markdown in docs/api/ (generated, gitignored). Run by
// `pnpm docs:build` before `vitepress build`, so VitePress checks every link in it too.
import { publicPackages } from './public-packages.mjs';

/** @type {Partial<import('typedoc').TypeDocOptions> & Record<string, unknown>} */
export default {
  name: 'API reference',
  entryPoints: publicPackages().map((pkg) => pkg.entry),
  tsconfig: './tsconfig.typedoc.json',
  out: '../api',
  plugin: [
    'typedoc-plugin-markdown',
    'typedoc-vitepress-theme',
    new URL('./typedoc-package-names.mjs', import.meta.url).pathname,
  ],
  // The package READMEs are site pages of their own (docs/drivers/); don't repeat them.
  readme: 'none',
  // No public repository URL to link sources to, and no "Defined in" links to nowhere.
  disableSources: true,
  excludePrivate: true,
  excludeInternal: true,
  // typedoc-vitepress-theme: sidebar links relative to the site root (docs/).
  docsRoot: '..',
  sidebar: { pretty: true, collapsed: true },
  // Missing comments are warnings; anything TypeDoc considers an error fails the build.
  treatWarningsAsErrors: false,
};
