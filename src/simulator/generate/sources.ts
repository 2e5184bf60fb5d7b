import { hashString, type Rng } from '../random';
import { capitalise, titleCase } from './prose';

/** Plausible, stable web sources for a search query: the same query always finds the same pages. */

export interface WebSource {
  url: string;
  title: string;
  /** Host without `www.`, as shown in citation parentheticals. */
  domain: string;
}

interface Site {
  host: string;
  build(slug: string, words: string[], n: number): { path: string; title: string };
}

/** Wikipedia article names: first letter capitalised, words joined with underscores. */
function articleName(words: string[]): string {
  return capitalise(words.join('_').toLowerCase());
}

const SITES: readonly Site[] = [
  {
    host: 'en.wikipedia.org',
    build: (_slug, words) => ({
      path: `/wiki/${articleName(words.slice(0, 3))}`,
      title: `${titleCase(words.slice(0, 3).join(' '))} - Wikipedia`,
    }),
  },
  {
    host: 'arxiv.org',
    build: (_slug, words, n) => ({
      path: `/abs/${2300 + (n % 3) * 100 + 1 + (n % 12)}.${String(10000 + (n % 89999)).padStart(5, '0')}`,
      title: `A Survey of ${titleCase(words.slice(0, 3).join(' '))}`,
    }),
  },
  {
    host: 'www.nature.com',
    build: (_slug, words, n) => ({
      path: `/articles/s41586-02${3 + (n % 3)}-0${String(1000 + (n % 8999))}-${n % 10}`,
      title: `${titleCase(words.slice(0, 3).join(' '))}: evidence from large-scale studies | Nature`,
    }),
  },
  {
    host: 'www.reuters.com',
    build: (slug, words, n) => ({
      path: `/technology/${slug}-202${3 + (n % 3)}-0${1 + (n % 9)}-1${n % 10}/`,
      title: `${capitalise(words.slice(0, 4).join(' '))} gains ground, industry data show | Reuters`,
    }),
  },
  {
    host: 'www.bbc.com',
    build: (_slug, words, n) => ({
      path: `/news/articles/c${(n % 0xffffff).toString(36)}${words.length}x${(n >>> 8).toString(36).slice(0, 4)}o`,
      title: `What ${words.slice(0, 3).join(' ')} means for the rest of us - BBC News`,
    }),
  },
  {
    host: 'www.ncbi.nlm.nih.gov',
    build: (_slug, words, n) => ({
      path: `/pmc/articles/PMC${8000000 + (n % 2000000)}/`,
      title: `${capitalise(words.slice(0, 3).join(' '))}: a systematic review - PMC`,
    }),
  },
  {
    host: 'www.oecd.org',
    build: (slug, words) => ({
      path: `/en/publications/${slug}_outlook.html`,
      title: `${titleCase(words.slice(0, 3).join(' '))} Outlook | OECD`,
    }),
  },
  {
    host: 'www.nist.gov',
    build: (slug, words) => ({
      path: `/publications/${slug}-framework`,
      title: `A framework for ${words.slice(0, 3).join(' ')} | NIST`,
    }),
  },
  {
    host: 'github.com',
    build: (_slug, words) => ({
      path: `/${(words[0] ?? 'project').toLowerCase()}/${words.slice(0, 2).join('-').toLowerCase() || 'awesome-list'}`,
      title: `GitHub - ${words.slice(0, 2).join('-').toLowerCase()}: open-source tooling and examples`,
    }),
  },
  {
    host: 'www.brookings.edu',
    build: (slug, words) => ({
      path: `/articles/${slug}-what-the-evidence-says/`,
      title: `${capitalise(words.slice(0, 3).join(' '))}: what the evidence says | Brookings`,
    }),
  },
  {
    host: 'www.theverge.com',
    build: (slug, _words, n) => ({
      path: `/202${3 + (n % 3)}/${1 + (n % 12)}/${1 + (n % 28)}/${slug}`,
      title: `The messy reality of ${slug.replace(/-/g, ' ')} | The Verge`,
    }),
  },
  {
    host: 'www.mckinsey.com',
    build: (slug, words) => ({
      path: `/capabilities/insights/the-state-of-${slug}`,
      title: `The state of ${words.slice(0, 3).join(' ')} | McKinsey`,
    }),
  },
];

const SECTIONS = ['docs', 'blog', 'research', 'articles', 'news', 'guides', 'reports', 'insights'];

function slugOf(words: string[]): string {
  return (
    words
      .slice(0, 5)
      .join('-')
      .toLowerCase()
      .replace(/[^a-z0-9-]+/g, '-')
      .replace(/-+/g, '-')
      .replace(/^-|-$/g, '') || 'overview'
  );
}

function wordsOf(query: string): string[] {
  const words = query.match(/[A-Za-z0-9][A-Za-z0-9+-]*/g) ?? [];
  return words.length ? words : ['overview'];
}

function withDomain(url: string, title: string): WebSource {
  const host = new URL(url).hostname;
  return { url, title, domain: host.replace(/^www\./, '') };
}

/** Pages on an arbitrary allowed domain (or one of its subdomains). */
function sourceOnDomain(domain: string, words: string[], index: number): WebSource {
  const section = SECTIONS[(hashString(domain) + index) % SECTIONS.length] ?? 'docs';
  const slug = slugOf(
    index === 0
      ? words
      : [
          ...words.slice(0, 3),
          ['guide', 'overview', 'analysis', 'faq', 'update', 'case-study'][index % 6] ?? 'notes',
        ],
  );
  return withDomain(
    `https://${domain}/${section}/${slug}`,
    `${titleCase(slug.replace(/-/g, ' '))} | ${capitalise(domain.split('.').slice(-2, -1)[0] ?? domain)}`,
  );
}

function matchesAllowed(host: string, allowed: string[]): boolean {
  return allowed.some((domain) => host === domain || host.endsWith(`.${domain}`));
}

/** `count` distinct sources for a query; only on allowed domains when a filter is given. */
export function sourcesFor(
  query: string,
  count: number,
  rng: Rng,
  allowedDomains: string[] = [],
): WebSource[] {
  const words = wordsOf(query);
  const slug = slugOf(words);
  const n = hashString(query);
  if (allowedDomains.length > 0) {
    const known = SITES.filter((site) => matchesAllowed(site.host, allowedDomains));
    const out: WebSource[] = [];
    for (const site of rng.shuffle(known)) {
      const page = site.build(slug, words, n);
      out.push(withDomain(`https://${site.host}${page.path}`, page.title));
    }
    for (let i = 0; out.length < count; i++) {
      const domain = allowedDomains[i % allowedDomains.length] ?? 'example.com';
      const candidate = sourceOnDomain(domain, words, Math.floor(i / allowedDomains.length));
      if (!out.some((s) => s.url === candidate.url)) out.push(candidate);
      if (i > count * 4 + 8) break;
    }
    return out.slice(0, count);
  }
  const sites = rng.shuffle(SITES).slice(0, count);
  return sites.map((site) => {
    const page = site.build(slug, words, n);
    return withDomain(`https://${site.host}${page.path}`, page.title);
  });
}

/** The URL as it appears in a citation: the API tags cited links with `utm_source=openai`. */
export function citedUrl(url: string): string {
  return `${url}${url.includes('?') ? '&' : '?'}utm_source=openai`;
}
