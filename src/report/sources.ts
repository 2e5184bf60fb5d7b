import type { NumberedSource, Source } from '../schemas/research';
import { clip, hostname, MAX_TITLE_CHARS, oneLine } from '../text';

/**
 * The one numbered source list the writer cites from. Pure (no I/O, only the URL global, which
 * Temporal's workflow sandbox provides): safe inside workflow code.
 */

/** Query parameters that only track where a click came from: they never change the page. */
function isTrackingParam(name: string): boolean {
  const lower = name.toLowerCase();
  return lower.startsWith('utm_') || lower === 'ref';
}

/** The query string without tracking parameters, other parameters kept verbatim and in order. */
function keptQuery(search: string): string {
  const kept = search
    .replace(/^\?/, '')
    .split('&')
    .filter((pair) => pair !== '' && !isTrackingParam(paramName(pair)));
  return kept.length > 0 ? `?${kept.join('&')}` : '';
}

function paramName(pair: string): string {
  const raw = pair.split('=', 1)[0] ?? '';
  try {
    return decodeURIComponent(raw.replace(/\+/g, ' '));
  } catch {
    return raw;
  }
}

/**
 * A canonical form of a URL, so the same page found by two searches gets one number: lowercase
 * scheme and host, no tracking parameters, no fragment, no trailing slash. Other query parameters
 * are kept verbatim and in order (they can select a different page). Text that is not a URL is returned trimmed.
 */
export function normalizeUrl(url: string): string {
  const trimmed = url.trim();
  let parsed: URL;
  try {
    parsed = new URL(trimmed);
  } catch {
    return trimmed;
  }
  // Without a host (mailto:, data:, urn:) there is nothing to canonicalize safely.
  if (!parsed.host) return trimmed;

  const query = keptQuery(parsed.search);
  const path = parsed.pathname.replace(/\/+$/, '');
  // URL already lowercases scheme and host and drops default ports. User info is dropped: a
  // report must never print credentials that a search result happened to carry.
  return `${parsed.protocol}//${parsed.host}${path}${query}`;
}

/** Titles come from search results and tools and may span lines: one line, trimmed, at most 300 characters. */
function cleanTitle(title: string): string {
  return clip(oneLine(title.slice(0, 1200)), MAX_TITLE_CHARS);
}

/**
 * Numbers the sources of all findings 1..n in first-seen order, one number per page (deduplicated
 * by normalized URL). Each entry carries the normalized URL and the first non-empty title seen for
 * it, or its hostname when no search gave it a title.
 */
export function numberSources(groups: Source[][]): NumberedSource[] {
  const byUrl = new Map<string, { url: string; title: string; kind: Source['kind'] }>();
  for (const source of groups.flat()) {
    const url = normalizeUrl(source.url);
    if (!url) continue;
    const title = cleanTitle(source.title);
    const seen = byUrl.get(url);
    if (!seen) byUrl.set(url, { url, title, kind: source.kind });
    else if (!seen.title) seen.title = title;
  }
  return [...byUrl.values()].map((entry, i) => ({
    n: i + 1,
    url: entry.url,
    title: entry.title || hostname(entry.url),
    // Private sources keep their kind so the report can tell them from the web.
    ...(entry.kind && entry.kind !== 'web' ? { kind: entry.kind } : {}),
  }));
}
