import { normalizeUrl } from './report/sources';
import type { BackgroundResult } from './schemas/background-response';
import type { KeyFact, Source } from './schemas/research';
import { clip, siteName } from './text';

/**
 * From a web-search answer to a compact finding: prose without inline citation links, the cited facts
 * with their URLs, and the sources the search actually returned. Pure: used by activities and workflows.
 */

const MAX_SUMMARY_CHARS = 2_000;
const MAX_FACTS = 12;
const MAX_SOURCES = 20;

/** The answer text with the citation spans cut out (their URLs live on in facts and sources). */
export function stripCitations(answer: Pick<BackgroundResult, 'outputText' | 'citations'>): string {
  const spans = [...answer.citations].sort((a, b) => b.startIndex - a.startIndex);
  let text = answer.outputText;
  for (const span of spans) text = text.slice(0, span.startIndex) + text.slice(span.endIndex);
  return text
    .replace(/[ \t]+([.,;:])/g, '$1')
    .replace(/[ \t]{2,}/g, ' ')
    .trim();
}

/**
 * Abbreviations a full stop does not end a sentence after (lower-cased, without their final dot).
 * Single letters cover initials and "U.S."/"e.g." style chains (each letter is checked on its own).
 */
const ABBREVIATIONS = new Set([
  'e.g',
  'i.e',
  'etc',
  'vs',
  'cf',
  'al',
  'approx',
  'ca',
  'no',
  'nos',
  'vol',
  'pp',
  'p',
  'fig',
  'figs',
  'eq',
  'ed',
  'eds',
  'mr',
  'mrs',
  'ms',
  'dr',
  'prof',
  'sr',
  'jr',
  'st',
  'mt',
  'inc',
  'ltd',
  'co',
  'corp',
  'dept',
  'est',
  'govt',
  'jan',
  'feb',
  'mar',
  'apr',
  'jun',
  'jul',
  'aug',
  'sep',
  'sept',
  'oct',
  'nov',
  'dec',
  'u.s',
  'u.k',
  'u.n',
  'e.u',
  'a.m',
  'p.m',
  'ph.d',
  'op',
  'resp',
  'sec',
  'art',
  'ch',
]);

/**
 * True when the full stop at `dot` (followed by white space) ends a sentence rather than an abbreviation
 * or an initial. Decimals (3.5) and the dots inside URLs are never followed by white space.
 */
function endsSentence(text: string, dot: number): boolean {
  if (text[dot] !== '.') return true;
  // The word the dot closes: back to the last space or opening bracket.
  let start = dot;
  while (start > 0 && !/[\s([{"'“‘]/.test(text[start - 1]!)) start--;
  const word = text.slice(start, dot).toLowerCase();
  if (!word) return true;
  if (ABBREVIATIONS.has(word)) return false;
  // Initials and dotted abbreviations: "U.S.", "J.", "e.g." ("a.b.c" with single letters between dots).
  if (/^([a-z]\.)*[a-z]$/.test(word)) return false;
  return true;
}

/** Where the last sentence of `text` starts: after the last sentence end or line break. */
function lastSentenceStart(text: string): number {
  let start = 0;
  // A full stop followed by white space: a decimal (3.5) or a URL's dots never are.
  for (const m of text.matchAll(/[.!?](?=\s)\s*|\n/g)) {
    if (m[0] === '\n' || endsSentence(text, m.index)) start = m.index + m[0].length;
  }
  return start;
}

/** Each sentence that carries a citation becomes a fact, with the URLs cited in it. */
export function factsFromAnswer(answer: Pick<BackgroundResult, 'outputText' | 'citations'>): KeyFact[] {
  const text = answer.outputText;
  const facts = new Map<string, Set<string>>();
  // Walk the text with citation spans cut out; each citation belongs to the sentence just before it
  // (whether the model put the citation before or after the full stop).
  let plain = '';
  let cursor = 0;
  for (const citation of [...answer.citations].sort((a, b) => a.startIndex - b.startIndex)) {
    if (citation.startIndex >= cursor) plain += text.slice(cursor, citation.startIndex);
    cursor = Math.max(cursor, citation.endIndex);
    // The citation's own full stop is cut, unless it closes an abbreviation ("… in the U.S.").
    const trimmed = plain.trimEnd();
    const body =
      /[!?]$/.test(trimmed) || (trimmed.endsWith('.') && endsSentence(trimmed, trimmed.length - 1))
        ? trimmed.slice(0, -1)
        : trimmed;
    const sentence = body
      .slice(lastSentenceStart(body))
      .replace(/^[-*\s]+/, '')
      .trim();
    if (sentence.length < 12) continue;
    const urls = facts.get(sentence) ?? new Set<string>();
    urls.add(normalizeUrl(citation.url));
    facts.set(sentence, urls);
  }
  return [...facts].slice(0, MAX_FACTS).map(([factText, urls]) => ({
    text: /[.!?]$/.test(factText) ? factText : `${factText}.`,
    urls: [...urls],
  }));
}

/**
 * Cited pages first (they have titles), then every other page the searches consulted; URLs normalised
 * (tracking parameters dropped) so the same page is one source everywhere.
 */
export function sourcesFromAnswer(answer: Pick<BackgroundResult, 'citations' | 'webSearches'>): Source[] {
  const byUrl = new Map<string, Source>();
  for (const c of answer.citations) {
    const url = normalizeUrl(c.url);
    if (!byUrl.has(url)) byUrl.set(url, { url, title: c.title || siteName(url) });
  }
  for (const search of answer.webSearches) {
    // Only pages: a source without a url (a search result from an API such as "oai-weather") cannot be cited.
    for (const raw of search.sources ?? []) {
      if (typeof raw !== 'string' || !raw.trim()) continue;
      const url = normalizeUrl(raw);
      if (!byUrl.has(url)) byUrl.set(url, { url, title: siteName(url) });
    }
  }
  return [...byUrl.values()];
}

/** What a search round adds to what a question already has, kept within fixed bounds. */
export function mergeFinding(
  current: { summary: string; keyFacts: KeyFact[]; sources: Source[] },
  round: { summary: string; keyFacts: KeyFact[]; sources: Source[] },
): { summary: string; keyFacts: KeyFact[]; sources: Source[] } {
  const sources = [...current.sources];
  for (const s of round.sources) if (!sources.some((c) => c.url === s.url)) sources.push(s);
  const keyFacts = [...current.keyFacts];
  for (const f of round.keyFacts) if (!keyFacts.some((k) => k.text === f.text)) keyFacts.push(f);
  const summary = current.summary ? `${current.summary}\n\n${round.summary}` : round.summary;
  return {
    summary: clip(summary, MAX_SUMMARY_CHARS, { trimEnd: true }),
    keyFacts: keyFacts.slice(0, MAX_FACTS),
    sources: sources.slice(0, MAX_SOURCES),
  };
}
