// Rewrites repository-relative links so that one markdown source reads right both on a
// code host and on this site, and VitePress's dead-link check (which fails the build)
// sees only links it can resolve.
//
// Why a markdown-it rule and not a text preprocessor: VitePress's `<!--@include:-->` pastes
// a README into a stub page *before* markdown-it runs, so a README's `../core` or
// `../../docs/tags.md` would otherwise be resolved against the stub's folder (wrong), and
// a link to a source file (`../../packages/x/src/y.ts`, `LICENSE`) has no page at all.
// Working on link tokens avoids touching code blocks and inline code, which a text
// replacement could not tell apart from links.
//
// How the base folder is chosen: a page listed with a `source` in site-pages.ts (a stub
// such as docs/drivers/redis.md, which includes packages/redis/README.md) has its relative
// links resolved against that file's folder. Such a stub holds nothing but a title and the
// include, so every link on it comes from the source. (The rule checks that the page
// really includes `source`, and so does site-check.ts, so the two cannot drift apart.)
// Every other page's links are resolved against the page itself. The source is named in
// site-pages.ts rather than in the stub's frontmatter because Biome's markdown formatter
// does not keep frontmatter intact.
//
// What a resolved link becomes (a link to a file that does not exist fails the build):
// - a file some page includes (a package or example README) → that page's route;
// - a markdown page of the site (docs/**.md outside docs/bench) → its route;
// - a folder → its README.md or index.md, by the two rules above;
// - anything else in the repository (source files, docs/bench/*, the Grafana JSON,
//   LICENSE, …) → no link: the label stays, followed by the repository path as inline
//   code when the label does not already say it. The site serves none of those files,
//   and a link to a code host would need a URL this repository does not have.
// Anchors are kept; headings get code-host-compatible ids (see `githubSlug`), so
// `#key-layout` works in both places.
import { existsSync, statSync } from 'node:fs';
import { dirname, isAbsolute, join, relative, resolve } from 'node:path';
import type { MarkdownRenderer } from 'vitepress';

type MarkdownIt = MarkdownRenderer;
type CoreRule = Parameters<MarkdownIt['core']['ruler']['push']>[1];
type CoreState = Parameters<CoreRule>[0];
type Token = CoreState['tokens'][number];

/** What VitePress puts in a page's markdown-it `env` (the fields used here). */
interface PageEnv {
  path?: string;
  relativePath?: string;
  includes?: string[];
}

export interface RepoLinksOptions {
  /** Absolute path of the repository root. */
  readonly repoRoot: string;
  /** Repository paths of included sources → routes of the pages including them. */
  readonly sourceRoutes: ReadonlyMap<string, string>;
  /** Page files (relative to docs/) → the repository path of the source each includes. */
  readonly pageSources: ReadonlyMap<string, string>;
  /** Repository folders under docs/ whose files are not site pages (e.g. `docs/bench`). */
  readonly excludedDirs: readonly string[];
}

const SCHEME = /^[a-z][a-z0-9+.-]*:/i;

export function repoLinks(md: MarkdownIt, options: RepoLinksOptions): void {
  const routeCache = new Map<string, string | null>();

  const routeOf = (repoPath: string): string | null => {
    let route = routeCache.get(repoPath);
    if (route === undefined) {
      route = resolveRoute(repoPath, options);
      routeCache.set(repoPath, route);
    }
    return route;
  };

  md.core.ruler.push('repo_links', (state) => {
    const env = state.env as PageEnv;
    const base = baseDir(env, options);
    if (base === undefined) return;
    const dead: string[] = [];
    for (const block of state.tokens) {
      if (block.type === 'inline' && block.children) {
        block.children = rewrite(block.children, base, options.repoRoot, routeOf, state.Token, dead);
      }
    }
    // A link to nothing fails the build, as VitePress's own dead-link check would (it
    // never sees these: they are rewritten above, and it ignores links to `.ts`, `.json`, …).
    if (dead.length > 0) throw new Error(`${env.relativePath}: dead link(s) ${dead.join(', ')}`);
  });
}

function baseDir(env: PageEnv, options: RepoLinksOptions): string | undefined {
  const page = env.path;
  if (page === undefined) return undefined;
  const source = options.pageSources.get(env.relativePath ?? '');
  if (source === undefined) return dirname(page);
  const sourcePath = resolve(options.repoRoot, source);
  // `includes` is filled by the page render; the local-search indexer renders without it
  // (site-check.ts checks the include statically either way).
  const included = env.includes?.map((file) => resolve(file));
  if (included !== undefined && !included.includes(sourcePath)) {
    throw new Error(`${env.relativePath}: does not include its source ${source} (site-pages.ts)`);
  }
  return dirname(sourcePath);
}

function rewrite(
  tokens: Token[],
  base: string,
  repoRoot: string,
  routeOf: (repoPath: string) => string | null,
  TokenClass: CoreState['Token'],
  dead: string[],
): Token[] {
  const out: Token[] = [];
  for (let i = 0; i < tokens.length; i++) {
    const token = tokens[i]!;
    const href = token.type === 'link_open' ? token.attrGet('href') : null;
    if (href === null || !isRepoRelative(href)) {
      out.push(token);
      continue;
    }
    const hashAt = href.indexOf('#');
    const pathPart = hashAt === -1 ? href : href.slice(0, hashAt);
    const hash = hashAt === -1 ? '' : href.slice(hashAt);
    const target = resolve(base, safeDecode(pathPart));
    const repoPath = relative(repoRoot, target).split('\\').join('/');
    if (!existsSync(target)) dead.push(href);
    const route = repoPath.startsWith('..') || isAbsolute(repoPath) ? null : routeOf(repoPath);
    if (route !== null) {
      token.attrSet('href', route + hash);
      out.push(token);
      continue;
    }
    // Not a page: keep the label, drop the link (links do not nest, so the next
    // link_close is this link's).
    const close = tokens.findIndex((t, j) => j > i && t.type === 'link_close');
    const label = tokens.slice(i + 1, close === -1 ? tokens.length : close);
    out.push(...label);
    const labelText = label.map((t) => t.content).join('');
    const shown = repoPath.startsWith('..') ? pathPart : repoPath;
    if (!labelText.includes(shown) && !shown.endsWith(labelText)) {
      const open = new TokenClass('text', '', 0);
      open.content = ' (';
      const code = new TokenClass('code_inline', 'code', 0);
      code.content = shown;
      code.markup = '`';
      const closeParen = new TokenClass('text', '', 0);
      closeParen.content = ')';
      out.push(open, code, closeParen);
    }
    i = close === -1 ? tokens.length : close;
  }
  return out;
}

function isRepoRelative(href: string): boolean {
  return href !== '' && !href.startsWith('#') && !href.startsWith('/') && !SCHEME.test(href);
}

function safeDecode(path: string): string {
  try {
    return decodeURI(path);
  } catch {
    return path;
  }
}

function resolveRoute(repoPath: string, options: RepoLinksOptions): string | null {
  const absolute = join(options.repoRoot, repoPath);
  if (existsSync(absolute) && statSync(absolute).isDirectory()) {
    for (const index of ['README.md', 'index.md']) {
      const route = resolveRoute(`${repoPath.replace(/\/$/, '')}/${index}`, options);
      if (route !== null) return route;
    }
    return null;
  }
  const included = options.sourceRoutes.get(repoPath);
  if (included !== undefined) return included;
  const inDocs = repoPath.startsWith('docs/') && repoPath.endsWith('.md');
  const excluded =
    repoPath.includes('/node_modules/') || options.excludedDirs.some((dir) => repoPath.startsWith(`${dir}/`));
  if (!inDocs || excluded || !existsSync(absolute)) return null;
  const route = `/${repoPath.slice('docs/'.length, -'.md'.length)}`;
  return route.endsWith('/index') ? route.slice(0, -'index'.length) : route;
}

/**
 * Heading ids as code hosts make them (lower case, punctuation dropped, spaces to
 * hyphens), so an anchor written in a README (`#redis-sentinel`,
 * `#observability-docsbenchstatsbenchts`) finds its heading on the site too. Repeated
 * headings get `-1`, `-2`, … from markdown-it-anchor, as on a code host.
 */
export function githubSlug(title: string): string {
  return title
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{M}\p{N}\p{Pc}\- ]/gu, '')
    .replace(/ /g, '-');
}
