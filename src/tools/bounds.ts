import { sourceKindSchema, type SourceKind } from '../schemas/research';
import { MAX_TITLE_CHARS, oneLineBounded } from '../text';
import type { ToolResult, ToolSource } from './types';

/**
 * Size bounds for everything that leaves a tool. Every tool result passes through `boundToolResult` in
 * the registry, whatever the tool is (built in, MCP, a user's own module), so one call cannot bloat a
 * prompt, a workflow history or the report: a 1.9 MB `<title>` becomes a 300-character title. The
 * sources apply the same limits where they produce the big strings, so nothing that size is built first.
 */

export const MAX_OUTPUT_CHARS = 20_000;
export const MAX_SOURCES_PER_CALL = 12;
export const MAX_URL_CHARS = 2048;
export const MAX_EXCERPT_CHARS = 1000;
/** A source's excerpt as the built-in sources write it, cut at a word or a row; any tool's stops at MAX_EXCERPT_CHARS. */
export const EXCERPT_CHARS = 500;
/** A tool's description as the model sees it. */
export const MAX_DESCRIPTION_CHARS = 1024;

const KINDS: ReadonlySet<SourceKind> = new Set(sourceKindSchema.options);

export function boundSource(source: ToolSource): ToolSource | undefined {
  if (!source || typeof source.url !== 'string') return undefined;
  // A URL is never shortened into another URL: one too long is dropped, not cut.
  const url = source.url.trim();
  // eslint-disable-next-line no-control-regex
  if (!url || url.length > MAX_URL_CHARS || /[\u0000-\u0020\u007f]/.test(url)) return undefined;
  const title = oneLineBounded(typeof source.title === 'string' ? source.title : '', MAX_TITLE_CHARS);
  const kind = KINDS.has(source.kind) ? source.kind : 'api';
  const excerpt =
    typeof source.excerpt === 'string' ? oneLineBounded(source.excerpt, MAX_EXCERPT_CHARS) : undefined;
  return { url, title, kind, ...(excerpt ? { excerpt } : {}) };
}

/**
 * Characters a URI keeps as they are; everything else (spaces, backticks, quotes, angle brackets,
 * parentheses, control characters) is percent-encoded, so the URL cannot end a Markdown code span or
 * link early wherever it is shown.
 */
export function escapeUri(uri: string): string {
  return uri.replace(/[^A-Za-z0-9\-._~:/?#@!$&*+,;=%]/gu, (c) =>
    // A lone surrogate becomes U+FFFD's bytes; every other character its own UTF-8 bytes.
    [...Buffer.from(/[\uD800-\uDFFF]/.test(c) ? '\uFFFD' : c, 'utf8')]
      .map((b) => `%${b.toString(16).toUpperCase().padStart(2, '0')}`)
      .join(''),
  );
}

/**
 * A source's citation as it may leave the source: an http(s) URL (a link the reader can check), or an
 * identifier inside one of the source's own namespaces (`docs:handbook` cites `docs:handbook/…` or
 * `docs:handbook#…`). Anything else (another source's identifiers such as `db:sales#query-…`, a
 * `javascript:` URL) is put inside the first namespace, `docs:handbook/db%3Asales…`, so a citation
 * always names the source that produced it.
 */
export function ownCitation(url: string, namespaces: readonly string[]): string {
  if (/^https?:\/\//i.test(url)) return url;
  for (const namespace of namespaces) {
    const rest = url.slice(namespace.length);
    if (url.startsWith(namespace) && (namespace.endsWith('/') ? rest.length > 0 : /^([/#?]|$)/.test(rest))) {
      return url;
    }
  }
  const first = namespaces[0]!;
  return `${first}${first.endsWith('/') ? '' : '/'}${escapeUri(url)}`;
}

/**
 * What a tool answered, cut to the bounds above; sources without a usable URL are left out. With
 * `namespaces` (the registry passes the source's own), every citation is made the source's own
 * (`ownCitation`), whatever the tool is: built in, MCP or a user's module.
 */
export function boundToolResult(result: ToolResult, namespaces?: readonly string[]): ToolResult {
  const raw = typeof result?.output === 'string' ? result.output : String(result?.output ?? '');
  const output =
    raw.length > MAX_OUTPUT_CHARS ? `${raw.slice(0, MAX_OUTPUT_CHARS)}\n[output truncated]` : raw;
  const sources: ToolSource[] = [];
  for (const source of Array.isArray(result?.sources) ? result.sources : []) {
    if (sources.length >= MAX_SOURCES_PER_CALL) break;
    const bounded = boundSource(source);
    if (!bounded) continue;
    const url = namespaces?.length ? ownCitation(bounded.url, namespaces) : bounded.url;
    // Namespacing lengthens the URL: one now too long is dropped, as above.
    if (url.length <= MAX_URL_CHARS) sources.push({ ...bounded, url });
  }
  return { output, sources, ...(result?.refused ? { refused: true } : {}) };
}
