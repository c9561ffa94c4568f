// After `vitepress build`: every link to an anchor on this site (`/tags#the-guarantees`,
// `#options`) must name an id the target page has. VitePress checks that the page exists,
// not the anchor; a heading renamed in a README would otherwise leave links pointing at
// the top of a page. Exits 1 and lists them when one does not.
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';

const dist = new URL('./dist/', import.meta.url).pathname;

/** @type {Record<string, string>} */
const NAMED = { amp: '&', quot: '"', lt: '<', gt: '>', apos: "'" };

/** @param {string} text */
const decodeEntities = (text) =>
  text.replace(/&(#x?[0-9a-f]+|amp|quot|lt|gt|apos);/gi, (_, /** @type {string} */ entity) => {
    const named = NAMED[entity.toLowerCase()];
    if (named !== undefined) return named;
    const hex = entity[1] === 'x' || entity[1] === 'X';
    return String.fromCodePoint(Number.parseInt(entity.slice(hex ? 2 : 1), hex ? 16 : 10));
  });

/** @param {string} dir @returns {string[]} */
const htmlFiles = (dir) =>
  readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === 'assets' ? [] : htmlFiles(path);
    return entry.name.endsWith('.html') ? [path] : [];
  });

// Page file → its ids, and its links with a fragment.
/** @type {Map<string, Set<string>>} */
const ids = new Map();
/** @type {{ file: string, path: string, hash: string }[]} */
const links = [];
for (const file of htmlFiles(dist)) {
  const html = readFileSync(file, 'utf8');
  ids.set(file, new Set([...html.matchAll(/\sid="([^"]*)"/g)].map((m) => decodeEntities(m[1] ?? ''))));
  for (const [, raw] of html.matchAll(/\shref="([^"]*)"/g)) {
    const href = decodeEntities(raw ?? '');
    const hashAt = href.indexOf('#');
    if (hashAt === -1 || hashAt === href.length - 1) continue;
    const path = href.slice(0, hashAt).replace(/\?.*$/, '');
    if (path !== '' && (!path.startsWith('/') || path.startsWith('//'))) continue;
    links.push({ file, path, hash: href.slice(hashAt + 1) });
  }
}

/** @param {string} from @param {string} path */
const targetFile = (from, path) => {
  if (path === '') return from;
  const clean = decodeURIComponent(path);
  return join(dist, clean.endsWith('/') ? `${clean}index.html` : `${clean.replace(/\.html$/, '')}.html`);
};

const broken = [];
for (const { file, path, hash } of links) {
  const target = targetFile(file, path);
  const targetIds = ids.get(target);
  let id;
  try {
    id = decodeURIComponent(hash);
  } catch {
    id = hash;
  }
  if (targetIds === undefined) broken.push(`${relative(dist, file)}: ${path}#${hash} (no such page)`);
  else if (!targetIds.has(id)) broken.push(`${relative(dist, file)}: ${path || '(same page)'}#${hash}`);
}

const unique = [...new Set(broken)];
if (unique.length > 0) {
  console.error(`✗ ${unique.length} link(s) to anchors that do not exist:\n  ${unique.join('\n  ')}`);
  process.exit(1);
}
console.log(`✓ anchors: ${links.length} links to ${new Set(links.map((l) => l.path)).size} pages checked`);
