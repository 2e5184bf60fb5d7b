import { z } from 'zod';
import { excerpt } from '../../text';
import { EXCERPT_CHARS } from '../bounds';
import { defineTool, toolError, type ResearchSource, type ToolResult } from '../types';
import { decodeBody, extractHtml, extractText, HTML_TYPES, TEXT_TYPES } from './extract';
import { FetchFailed, fetchPage } from './fetch';
import { FetchRefused, isPublicAddress } from './guard';

export { FetchFailed, fetchPage, type FetchedPage, type FetchPageOptions } from './fetch';
export { checkTarget, FetchRefused, hostAllowed, isPublicAddress } from './guard';
export { conversionLoad, extractHtml, MAX_CONCURRENT_CONVERSIONS, type ExtractedPage } from './extract';

export interface HttpFetchOptions {
  /**
   * Allow loopback, private, link-local (cloud metadata) and other non-public addresses. Off by default:
   * the model chooses the URLs, and a page it read may tell it to fetch http://169.254.169.254/.
   */
  allowPrivateNetworks?: boolean;
  /** If given, only these hosts and their subdomains (`example.com` allows `docs.example.com`). */
  allowedHosts?: string[];
  /** Body bytes read at most (after decompression); the rest is not downloaded. Default 2 MB. */
  maxBytes?: number;
  /**
   * For the whole fetch, redirects and body included. Default 15 s. Extracting the text of an HTML page
   * (in a worker thread) is bounded by the same amount again.
   */
  timeoutMs?: number;
  userAgent?: string;
  /**
   * Advanced: decides each resolved address instead of the built-in policy (`isPublicAddress`, or
   * everything with `allowPrivateNetworks`), e.g. to allow one internal range. Still applied to every
   * hop and still pinned.
   */
  isAddressAllowed?: (address: string) => boolean;
}

export const FETCH_PAGE_TOOL = 'fetch_page';
export const DEFAULT_MAX_BYTES = 2 * 1024 * 1024;
export const DEFAULT_TIMEOUT_MS = 15_000;
export const DEFAULT_MAX_CHARS = 8000;
export const MAX_REDIRECTS = 5;
const DEFAULT_USER_AGENT = 'durable-deep-research/0.1 (+fetch_page)';

const fetchPageArgs = z.object({
  url: z.string().describe('Absolute http:// or https:// URL of the page.'),
  maxChars: z
    .number()
    .int()
    .min(200)
    .max(100_000)
    .optional()
    .describe(`Characters of page text to return at most (default ${DEFAULT_MAX_CHARS}).`),
});

/**
 * A web source for deployments without the hosted web_search tool: one tool, `fetch_page`, that reads
 * a page (HTML through Readability, or plain text) and cites it by its final URL.
 *
 * Guarded against SSRF (see guard.ts and fetch.ts): http(s) only, every hop's host resolved and every
 * address checked before connecting, the connection pinned to the checked address, at most 5 redirects,
 * bounded size and time. Refusals and failures come back as "error: …" output for the model; bad
 * configuration throws.
 */
export function httpFetchSource(name: string, options: HttpFetchOptions = {}): ResearchSource {
  const settings = validate(name, options);
  const tool = defineTool({
    name: FETCH_PAGE_TOOL,
    description:
      'Fetch a web page by URL (http or https) and return its readable text, title and final URL. ' +
      'HTML and plain text pages only; navigation and boilerplate are removed. Use it to read pages ' +
      'whose URLs you already have.',
    parameters: fetchPageArgs,
    summaryArgument: 'url',
    async run(args, ctx): Promise<ToolResult> {
      try {
        const page = await fetchPage(args.url, { ...settings, signal: ctx.signal });
        const html = HTML_TYPES.includes(page.mediaType);
        const decoded = decodeBody(page.body, page.charset, html);
        const extracted = html
          ? await extractHtml(decoded, { timeoutMs: settings.timeoutMs, signal: ctx.signal })
          : extractText(decoded);
        const title = extracted.title || page.url;
        return {
          output: render(
            page.url,
            title,
            extracted.text,
            args.maxChars ?? DEFAULT_MAX_CHARS,
            page.truncated,
            settings.maxBytes,
          ),
          sources: [{ url: page.url, title, kind: 'web', excerpt: excerpt(extracted.text, EXCERPT_CHARS) }],
        };
      } catch (error) {
        if (ctx.signal.aborted) throw error;
        if (error instanceof FetchRefused) return toolError(`refused to fetch ${args.url}: ${error.message}`);
        if (error instanceof FetchFailed) return toolError(`could not fetch ${args.url}: ${error.message}`);
        const detail = error instanceof Error ? error.message : String(error);
        return toolError(`could not fetch ${args.url}: ${detail}`);
      }
    },
  });
  return { name, kind: 'web', tools: [tool] };
}

function validate(name: string, options: HttpFetchOptions) {
  const where = `http fetch source "${name}"`;
  if (!name.trim()) throw new Error('http fetch source: name must not be empty');
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_BYTES;
  if (!Number.isSafeInteger(maxBytes) || maxBytes <= 0) {
    throw new Error(`${where}: maxBytes must be a positive integer, got ${options.maxBytes}`);
  }
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  if (!Number.isFinite(timeoutMs) || timeoutMs <= 0) {
    throw new Error(`${where}: timeoutMs must be a positive number, got ${options.timeoutMs}`);
  }
  if (options.allowedHosts !== undefined) {
    if (!Array.isArray(options.allowedHosts) || options.allowedHosts.length === 0) {
      throw new Error(`${where}: allowedHosts must be a non-empty list of host names when given`);
    }
    for (const host of options.allowedHosts) {
      if (typeof host !== 'string' || !host.trim() || /[/:@\s]/.test(host.replace(/^\[.*\]$/, ''))) {
        throw new Error(`${where}: allowedHosts entry ${JSON.stringify(host)} is not a host name`);
      }
    }
  }
  if (options.userAgent !== undefined && !options.userAgent.trim()) {
    throw new Error(`${where}: userAgent must not be empty`);
  }
  const isAddressAllowed =
    options.isAddressAllowed ?? (options.allowPrivateNetworks ? () => true : isPublicAddress);
  return {
    maxBytes,
    timeoutMs,
    maxRedirects: MAX_REDIRECTS,
    userAgent: options.userAgent ?? DEFAULT_USER_AGENT,
    allowedHosts: options.allowedHosts,
    isAddressAllowed,
    acceptedTypes: [...HTML_TYPES, ...TEXT_TYPES],
  };
}

function render(
  url: string,
  title: string,
  text: string,
  maxChars: number,
  truncatedBody: boolean,
  maxBytes: number,
): string {
  const lines = [`Title: ${title}`, `URL: ${url}`];
  if (truncatedBody) lines.push(`(The page is larger than ${maxBytes} bytes; only its beginning was read.)`);
  let body = text || '(no readable text)';
  if (body.length > maxChars) {
    const rest = body.length - maxChars;
    body = `${body.slice(0, maxChars)}\n[… ${rest} more characters not shown; a larger maxChars returns more]`;
  }
  return `${lines.join('\n')}\n\n${body}`;
}
