// The documentation site. `pnpm docs:build` runs TypeDoc (docs/api/, generated) and then
// this build, offline; dead links fail it (`ignoreDeadLinks: false`), and so do the page
// list checks of site-check.ts.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { slugify as vitepressSlug } from '@mdit-vue/shared';
import { type DefaultTheme, defineConfig } from 'vitepress';
import { publicPackages, repoRoot } from './public-packages.mjs';
import { githubSlug, repoLinks } from './repo-links';
import { checkSitePages } from './site-check';
import { pageSources, sections, sourceRoutes } from './site-pages';

const srcDir = fileURLToPath(new URL('..', import.meta.url));

checkSitePages(
  srcDir,
  repoRoot,
  publicPackages().map((pkg) => pkg.dir),
);

function apiSidebar(): DefaultTheme.SidebarItem[] {
  const file = join(srcDir, 'api/typedoc-sidebar.json');
  if (!existsSync(file)) {
    throw new Error(
      'docs/api/ is missing: run `pnpm docs:build` or `pnpm docs:dev`, which run TypeDoc first',
    );
  }
  return JSON.parse(readFileSync(file, 'utf8')) as DefaultTheme.SidebarItem[];
}

// Two sidebars: the API pages get TypeDoc's whole tree (every class, interface, function),
// every other page gets the guide sections and one "API reference" entry per package —
// the whole tree on every page would make each of them ~200 KB of links.
const api = apiSidebar();
const sidebar: DefaultTheme.SidebarMulti = {
  '/api/': [
    { text: 'API reference', link: '/api/', items: api },
    { text: '← Guide', link: '/guide/getting-started' },
  ],
  '/': [
    ...sections.map((section) => ({
      text: section.text,
      items: section.items.map(({ text, link }) => ({ text, link })),
    })),
    { text: 'API reference', link: '/api/', items: api.map(({ text, link }) => ({ text, link })) },
  ],
};

export default defineConfig({
  title: '@cache',
  description: 'One cache API for Node.js over many backends.',
  lang: 'en-US',
  base: '/',
  cleanUrls: true,
  // The default, stated: a link to a page that does not exist fails the build.
  ignoreDeadLinks: false,
  // docs/bench is the benchmark tooling (its own folder, owned by the benchmarks), not pages.
  srcExclude: ['bench/**', 'grafana/**', '**/node_modules/**'],
  vite: {
    // The local search index (every page, the API reference included) is one chunk of
    // ~1 MB by design; Vite's 500 kB advice is about application code.
    build: { chunkSizeWarningLimit: 2048 },
  },
  markdown: {
    anchor: {
      // Ids for headings: as a code host makes them on pages written by hand (so README
      // anchors work on both), as VitePress makes them on the TypeDoc pages (whose links
      // typedoc-vitepress-theme rewrites to VitePress's slugs).
      slugifyWithState: (title, state) =>
        String(state.env.relativePath ?? '').startsWith('api/') ? vitepressSlug(title) : githubSlug(title),
    },
    config(md) {
      repoLinks(md, {
        repoRoot,
        sourceRoutes: sourceRoutes(),
        pageSources: pageSources(),
        excludedDirs: ['docs/bench', 'docs/grafana'],
      });
    },
  },
  themeConfig: {
    nav: [
      {
        text: 'Guide',
        link: '/guide/getting-started',
        activeMatch: '^/(guide/|semantics|hybrid|tags|observability)',
      },
      { text: 'Packages', link: '/drivers/core', activeMatch: '^/drivers/' },
      { text: 'Examples', link: '/examples/express', activeMatch: '^/examples/' },
      {
        text: 'Migration',
        items: [
          { text: 'From cache-manager 7 / keyv 5', link: '/migration/cache-manager' },
          { text: 'From BentoCache', link: '/migration/bentocache' },
          { text: 'Comparison', link: '/comparison' },
        ],
      },
      { text: 'API', link: '/api/', activeMatch: '^/api/' },
      { text: 'Benchmarks', link: '/benchmarks' },
    ],
    sidebar,
    outline: [2, 3],
    search: { provider: 'local' },
    footer: { message: 'MIT License' },
  },
});
