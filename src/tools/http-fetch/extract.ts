import type { HtmlToTextOptions } from 'html-to-text';
import { Worker } from 'node:worker_threads';
import { oneLine } from '../../text';
import { FetchFailed } from './fetch';

/** Readable text of a fetched page: the article (Readability) if there is one, else the page's text. */

export interface ExtractedPage {
  title: string;
  text: string;
}

export const HTML_TYPES = ['text/html', 'application/xhtml+xml'];
export const TEXT_TYPES = ['text/plain'];

/**
 * Bytes to text: the charset from Content-Type, else (HTML) a `<meta charset>` in the first bytes, else
 * UTF-8. Unknown labels fall back to UTF-8; undecodable bytes become U+FFFD.
 */
export function decodeBody(body: Buffer, charset: string | undefined, html: boolean): string {
  let label = charset;
  if (!label && html) {
    const head = body.subarray(0, 4096).toString('latin1');
    label = /<meta[^>]+charset\s*=\s*["']?\s*([\w:.-]+)/i.exec(head)?.[1];
  }
  try {
    return new TextDecoder(label ?? 'utf-8').decode(body);
  } catch {
    return new TextDecoder('utf-8').decode(body);
  }
}

const TEXT_OPTIONS: HtmlToTextOptions = {
  wordwrap: false,
  selectors: [
    { selector: 'a', options: { ignoreHref: true } },
    { selector: 'img', format: 'skip' },
    ...['h1', 'h2', 'h3', 'h4', 'h5', 'h6'].map((selector) => ({ selector, options: { uppercase: false } })),
    { selector: 'table', format: 'dataTable', options: { uppercaseHeaderCells: false } },
  ],
};

/** For the fallback, where no article was found: the page minus its chrome. */
const PAGE_OPTIONS: HtmlToTextOptions = {
  ...TEXT_OPTIONS,
  baseElements: { selectors: ['main', 'article', 'body'], returnDomByDefault: true },
  selectors: [
    ...(TEXT_OPTIONS.selectors ?? []),
    ...['nav', 'header', 'footer', 'aside', 'script', 'style', 'noscript', 'form', 'svg', 'iframe'].map(
      (selector) => ({ selector, format: 'skip' }),
    ),
  ],
};

/**
 * Runs in a worker thread (see extractHtml). Readability over linkedom's DOM finds the main content
 * (dropping navigation, sidebars, footers) and html-to-text turns that HTML into text with paragraphs
 * and lists kept. If Readability finds nothing (or throws on linkedom's partial DOM), html-to-text runs
 * over the whole page with the usual chrome elements skipped. Plain JavaScript in a string: it must run
 * as is in a fresh thread, whatever compiled or instrumented this file.
 */
const WORKER_SOURCE = `'use strict';
const { parentPort, workerData } = require('node:worker_threads');
const { html, modules, textOptions, pageOptions } = workerData;
const { parseHTML } = require(modules.linkedom);
const { Readability } = require(modules.readability);
const { convert } = require(modules.htmlToText);
const { document } = parseHTML(html);
// Titles are bounded here, before they are copied out of the thread: a <title> can be megabytes.
const documentTitle = String(document.title || '').slice(0, 2000);
// Navigation is never the content, whatever Readability makes of a short page.
for (const node of document.querySelectorAll('nav, [role="navigation"], script, style, noscript, template')) {
  node.remove();
}
let article = null;
try {
  article = new Readability(document).parse();
} catch {
  // Readability can trip over what linkedom's DOM lacks: the fallback handles the page.
}
let result = null;
if (article && article.content) {
  const text = convert(article.content, textOptions);
  if (text.trim()) result = { title: String(article.title || '').slice(0, 2000) || documentTitle, text };
}
if (!result) result = { title: documentTitle, text: convert(html, pageOptions) };
parentPort.postMessage(result);
`;

let modulePaths: Record<'linkedom' | 'readability' | 'htmlToText', string> | undefined;

/**
 * Extracts the readable text of an HTML page in a worker thread, for three reasons. Parsing and scoring
 * up to `maxBytes` of hostile HTML is CPU work that would otherwise stall the worker's event loop
 * (heartbeats, other activities); a worker can be stopped when it takes too long (`timeoutMs`) or
 * bounded in memory, where a synchronous parse cannot. And linkedom's CommonJS build requires
 * css-select, which is ESM only: Node's own require loads that (Node >= 22.12), but a loader that
 * emulates `require`, like Jest's, cannot; the worker always has Node's own.
 */
export async function extractHtml(
  html: string,
  options: { timeoutMs: number; signal?: AbortSignal },
): Promise<ExtractedPage> {
  modulePaths ??= {
    linkedom: require.resolve('linkedom'),
    readability: require.resolve('@mozilla/readability'),
    htmlToText: require.resolve('html-to-text'),
  };
  const { signal, timeoutMs } = options;
  if (signal?.aborted) throw signal.reason;
  await acquireConversion(signal);
  let worker: Worker;
  try {
    worker = new Worker(WORKER_SOURCE, {
      eval: true,
      workerData: { html, modules: modulePaths, textOptions: TEXT_OPTIONS, pageOptions: PAGE_OPTIONS },
      resourceLimits: { maxOldGenerationSizeMb: CONVERSION_HEAP_MB },
      env: {},
    });
  } catch (error) {
    releaseConversion();
    throw error;
  }
  return new Promise<ExtractedPage>((resolve, reject) => {
    let settled = false;
    const finish = (outcome: () => void): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      // The slot is free once the thread (and its heap) is gone, not when its answer is in.
      void worker.terminate().finally(releaseConversion);
      outcome();
    };
    const onAbort = (): void => finish(() => reject(signal?.reason));
    const timer = setTimeout(
      () => finish(() => reject(new FetchFailed(`extracting the page's text took over ${timeoutMs} ms`))),
      timeoutMs,
    );
    signal?.addEventListener('abort', onAbort, { once: true });
    worker.once('message', (page: ExtractedPage) =>
      finish(() => resolve({ title: oneLine(page.title), text: tidy(page.text) })),
    );
    worker.once('error', (error) =>
      finish(() => reject(new FetchFailed(`could not extract the page's text: ${error.message}`))),
    );
    worker.once('exit', (code) =>
      finish(() => reject(new FetchFailed(`could not extract the page's text (worker exit ${code})`))),
    );
  });
}

/** Each conversion thread's heap limit. */
const CONVERSION_HEAP_MB = 512;

/**
 * Conversions running at once in this process, at most: each thread may use its 512 MB heap, and a
 * worker runs many activities at once (200 by default), so without a cap many fetch_page calls would
 * add up to gigabytes. Calls beyond it wait for a free slot (or their call's abort).
 */
export const MAX_CONCURRENT_CONVERSIONS = 2;

const conversions = { running: 0, peak: 0, waiting: [] as (() => void)[] };

/** How many conversion threads run now, and the most that ever ran at once (for tests and benchmarks). */
export function conversionLoad(): { running: number; peak: number; waiting: number } {
  return { running: conversions.running, peak: conversions.peak, waiting: conversions.waiting.length };
}

function acquireConversion(signal?: AbortSignal): Promise<void> {
  if (conversions.running < MAX_CONCURRENT_CONVERSIONS) {
    conversions.running++;
    conversions.peak = Math.max(conversions.peak, conversions.running);
    return Promise.resolve();
  }
  return new Promise<void>((resolve, reject) => {
    const onAbort = (): void => {
      conversions.waiting = conversions.waiting.filter((w) => w !== wake);
      reject(signal?.reason);
    };
    // The slot is handed over as it is: `running` stays the same.
    const wake = (): void => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    };
    conversions.waiting.push(wake);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

function releaseConversion(): void {
  const next = conversions.waiting.shift();
  if (next) next();
  else conversions.running--;
}

export function extractText(text: string): ExtractedPage {
  const body = tidy(text);
  const firstLine = body.split('\n', 1)[0] ?? '';
  return { title: oneLine(firstLine).slice(0, 120), text: body };
}

function tidy(text: string): string {
  return text
    .replace(/\r\n?/g, '\n')
    .replace(/[ \t]+\n/g, '\n')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
}
