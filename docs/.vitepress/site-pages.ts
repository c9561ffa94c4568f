// Every page of the site, once: the sidebar and the nav are built from this list, the
// link rewriter maps each `source` (a repository file a page includes) to the page's
// route, and `checkSitePages` fails the build when a page file, a package README or an
// example README has no entry here (or an entry has no file).

/** A page of the site. `source` is the repository file the page includes, if any. */
export interface SitePage {
  readonly text: string;
  readonly link: string;
  readonly source?: string;
}

export interface SiteSection {
  readonly text: string;
  readonly items: readonly SitePage[];
}

const pkg = (dir: string, text = `@cache/${dir}`): SitePage => ({
  text,
  link: `/drivers/${dir}`,
  source: `packages/${dir}/README.md`,
});

const example = (dir: string, text: string): SitePage => ({
  text,
  link: `/examples/${dir}`,
  source: `examples/${dir}/README.md`,
});

export const sections: readonly SiteSection[] = [
  {
    text: 'Guide',
    items: [
      { text: 'Getting started', link: '/guide/getting-started' },
      { text: 'Concepts', link: '/guide/concepts' },
      { text: 'Read-through options', link: '/guide/read-through', source: 'docs/semantics.md' },
      { text: 'Hybrid tier (L1 + L2 + bus)', link: '/hybrid' },
      { text: 'Tags and namespaces', link: '/tags' },
      { text: 'Observability', link: '/observability' },
      { text: 'Production guide', link: '/guide/production' },
      { text: 'Semantics (reference)', link: '/semantics' },
    ],
  },
  {
    text: 'Packages',
    items: [
      pkg('core'),
      pkg('memory'),
      pkg('file'),
      pkg('sqlite'),
      pkg('postgres'),
      pkg('mysql'),
      pkg('sql', '@cache/sql (SQL core)'),
      pkg('redis'),
      pkg('memcached'),
      pkg('nats'),
      pkg('dynamodb'),
      pkg('opentelemetry'),
      pkg('contract', '@cache/contract (testing)'),
      pkg('fake', '@cache/fake (testing)'),
    ],
  },
  {
    text: 'Examples',
    items: [
      example('express', 'Express'),
      example('fastify', 'Fastify'),
      example('nest-provider', 'NestJS provider'),
    ],
  },
  {
    text: 'Coming from another library',
    items: [
      { text: 'From cache-manager 7 / keyv 5', link: '/migration/cache-manager' },
      { text: 'From BentoCache', link: '/migration/bentocache' },
      { text: 'Comparison', link: '/comparison' },
      { text: 'Benchmarks', link: '/benchmarks' },
    ],
  },
];

/** Page file (relative to docs/) → the repository path of the source it includes. */
export function pageSources(): Map<string, string> {
  const sources = new Map<string, string>();
  for (const section of sections) {
    for (const page of section.items) {
      if (page.source !== undefined) sources.set(`${page.link.slice(1)}.md`, page.source);
    }
  }
  return sources;
}

/** Repository path of an included source → the route of the page that includes it. */
export function sourceRoutes(): Map<string, string> {
  const routes = new Map<string, string>();
  for (const section of sections) {
    for (const page of section.items) {
      // semantics.md is its own page; the read-through page only includes one region of it.
      if (page.source !== undefined && !page.source.startsWith('docs/')) routes.set(page.source, page.link);
    }
  }
  return routes;
}
