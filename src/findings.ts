import { normalizeUrl } from './report/sources';
import type { BackgroundResult } from './schemas/background-response';
import type { KeyFact, Source } from './schemas/research';

/**
 * From a web-search answer to a compact finding: prose without inline citation links, the cited facts
 * with their URLs, and the sources the search actually returned. Pure: used by activities and workflows.
 */

const MAX_SUMMARY_CHARS = 2_000;
const MAX_FACTS = 12;
const MAX_SOURCES = 20;

function hostname(url: string): string {
  try {
    return new URL(url).hostname.replace(/^www\./, '');
  } catch {
    return url;
  }
}

function clip(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1).trimEnd()}…`;
}

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

/** Where the last sentence of `text` starts: after the last sentence end or line break. */
function lastSentenceStart(text: string): number {
  let start = 0;
  for (const m of text.matchAll(/[.!?]\s+|\n/g)) start = m.index + m[0].length;
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
    const body = plain.trimEnd().replace(/[.!?]$/, '');
    const sentence = body
      .slice(lastSentenceStart(body))
      .replace(/^[-*\s]+/, '')
      .trim();
    if (sentence.length < 12) continue;
    const urls = facts.get(sentence) ?? new Set<string>();
    urls.add(normalizeUrl(citation.url));
    facts.set(sentence, urls);
  }
  return [...facts]
    .slice(0, MAX_FACTS)
    .map(([factText, urls]) => ({ text: `${factText}.`, urls: [...urls] }));
}

/**
 * Cited pages first (they have titles), then every other page the searches consulted; URLs normalised
 * (tracking parameters dropped) so the same page is one source everywhere.
 */
export function sourcesFromAnswer(answer: Pick<BackgroundResult, 'citations' | 'webSearches'>): Source[] {
  const byUrl = new Map<string, Source>();
  for (const c of answer.citations) {
    const url = normalizeUrl(c.url);
    if (!byUrl.has(url)) byUrl.set(url, { url, title: c.title || hostname(url) });
  }
  for (const search of answer.webSearches) {
    for (const raw of search.sources) {
      const url = normalizeUrl(raw);
      if (!byUrl.has(url)) byUrl.set(url, { url, title: hostname(url) });
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
    summary: clip(summary, MAX_SUMMARY_CHARS),
    keyFacts: keyFacts.slice(0, MAX_FACTS),
    sources: sources.slice(0, MAX_SOURCES),
  };
}

export { clip };
