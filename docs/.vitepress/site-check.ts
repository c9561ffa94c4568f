// Consistency checks run when the config loads (so `docs:build` fails on them): the
// page list in site-pages.ts covers every page file, every published package and every
// example with a README; every entry has its file; a page listed with a `source` includes
// it exactly once; every included region exists (VitePress would silently include the
// whole file instead).
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { type SiteSection, sections } from './site-pages';

/** Folders of docs/ that hold no site pages of their own (or generated ones). */
const NOT_PAGES = new Set(['api', 'bench', 'grafana', 'node_modules', '.vitepress', 'public']);

export function checkSitePages(srcDir: string, repoRoot: string, publicPackageDirs: readonly string[]): void {
  const problems: string[] = [];
  const pages = sections.flatMap((section: SiteSection) => section.items);
  const links = new Set(pages.map((page) => page.link));
  const sources = new Set(pages.flatMap((page) => (page.source === undefined ? [] : [page.source])));

  for (const page of pages) {
    const file = pageFile(srcDir, page.link);
    if (!existsSync(file)) {
      problems.push(`${page.link}: no file ${relative(repoRoot, file)}`);
      continue;
    }
    if (page.source !== undefined) problems.push(...checkInclude(file, page.source, repoRoot));
  }

  for (const file of markdownFiles(srcDir)) {
    const link = `/${relative(srcDir, file).replace(/\.md$/, '')}`.replace(/\/index$/, '/');
    if (link !== '/' && !links.has(link))
      problems.push(`${relative(repoRoot, file)} is not in site-pages.ts`);
  }
  for (const dir of publicPackageDirs) {
    if (!sources.has(`packages/${dir}/README.md`)) problems.push(`packages/${dir}/README.md has no page`);
  }
  for (const dir of readdirSync(join(repoRoot, 'examples'))) {
    const readme = `examples/${dir}/README.md`;
    if (existsSync(join(repoRoot, readme)) && !sources.has(readme)) problems.push(`${readme} has no page`);
  }

  if (problems.length > 0) throw new Error(`docs site pages:\n  ${problems.join('\n  ')}`);
}

function pageFile(srcDir: string, link: string): string {
  return join(srcDir, link.endsWith('/') ? `${link}index.md` : `${link}.md`);
}

function checkInclude(file: string, source: string, repoRoot: string): string[] {
  const text = readFileSync(file, 'utf8');
  const name = relative(repoRoot, file);
  const problems: string[] = [];
  const includes = [...text.matchAll(/<!--\s*@include:\s*(.*?)\s*-->/g)].map((m) => m[1]!);
  const wanted = resolve(repoRoot, source);
  const own = includes.filter((inc) => resolve(dirname(file), inc.replace(/#[\w-]+$/, '')) === wanted);
  if (own.length !== 1) problems.push(`${name}: should include ${source} exactly once`);
  for (const inc of own) {
    const region = /#([\w-]+)$/.exec(inc)?.[1];
    if (region !== undefined && !readFileSync(wanted, 'utf8').includes(`<!-- #region ${region} -->`)) {
      problems.push(`${name}: ${source} has no region "${region}"`);
    }
  }
  return problems;
}

function markdownFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((entry) => {
    if (NOT_PAGES.has(entry)) return [];
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) return markdownFiles(path);
    return entry.endsWith('.md') ? [path] : [];
  });
}
