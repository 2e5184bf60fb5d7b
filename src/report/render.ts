import type { NumberedSource, StoppedBy } from '../schemas/research';
import { clip, MAX_TITLE_CHARS, oneLine } from '../text';

/**
 * The final Markdown report: notices, the checked body and our own source list. Pure (no I/O): safe
 * inside workflow code.
 */

export interface RenderReportOptions {
  question: string;
  /** The writer's text after `checkCitations`. */
  body: string;
  /** The sources the body cites, numbered as in the body. */
  cited: NumberedSource[];
  invalidRemoved: number;
  simulated?: boolean;
  stoppedBy?: StoppedBy;
  failedQuestions?: string[];
}

const SIMULATED_NOTICE =
  '> **Simulated:** This report was produced by the built-in Responses API simulator, not a real model, ' +
  'and its sources are simulated.';

const STOPPED_NOTES: Record<StoppedBy, string> = {
  budget:
    'Research stopped early because the budget was reached; this report covers what was found until then.',
  deadline:
    'Research stopped early because the deadline was reached; this report covers what was found until then.',
  finish: 'Research was stopped early on request; this report covers what was found until then.',
};

/** Zero-width space: invisible, and no character of a URL, domain or e-mail address. */
const ZWSP = '\u200B';

/**
 * Text GitHub-flavoured Markdown (and renderers like it) would turn into a link by itself: `https://…`
 * (any `scheme://`), `www.…` and e-mail addresses (`a@b.example`, `mailto:`, `xmpp:`). A zero-width
 * space after `:`, `www` and `@` breaks each form while the reader still sees the same text.
 */
function defangAutolinks(text: string): string {
  return text
    .replace(/:(?=\/\/)/g, `:${ZWSP}`)
    .replace(/(www)(?=\.)/gi, `$1${ZWSP}`)
    .replace(/@/g, `@${ZWSP}`);
}

/**
 * A title as plain Markdown text: one line, at most 300 characters, every character that could start
 * Markdown or HTML (brackets, backticks, emphasis, angle brackets) escaped, and text that would be
 * autolinked defanged, so a title a page or a server chose cannot end a link, open a code span, or add
 * a link or image of its own (`Login again at https://phish.example/reset` stays text).
 */
function escapeText(text: string): string {
  return defangAutolinks(clip(oneLine(text), MAX_TITLE_CHARS).replace(/[\\`*_[\]<>]/g, (c) => `\\${c}`));
}

/**
 * Characters that would end the link destination or a code span early, or break out of either
 * (spaces, parentheses, angle brackets, backticks, quotes, control characters), percent-encoded: the
 * escapes mean the same URL.
 */
function escapeUrl(url: string): string {
  return url.trim().replace(
    // eslint-disable-next-line no-control-regex
    /[\u0000-\u0020\u007f ()<>`"'\\]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`,
  );
}

/** Only http(s) URLs become links; `javascript:`, `data:` and every other scheme are shown, not linked. */
function isLinkable(url: string): boolean {
  try {
    const parsed = new URL(url.trim());
    return parsed.protocol === 'http:' || parsed.protocol === 'https:';
  } catch {
    return false;
  }
}

/** The body's own `# ` title line, if its first non-blank line is one, and the rest. */
function splitTitle(body: string): { title?: string; rest: string } {
  const trimmed = body
    .replace(/\r\n?/g, '\n')
    .replace(/^\s*\n/, '')
    .trimEnd();
  if (!trimmed.startsWith('# ')) return { rest: trimmed };
  const end = trimmed.indexOf('\n');
  if (end === -1) return { title: trimmed, rest: '' };
  return { title: trimmed.slice(0, end).trimEnd(), rest: trimmed.slice(end + 1).replace(/^\s*\n/, '') };
}

function failedNote(failed: string[]): string {
  const items = failed.map((q) => `> - ${oneLine(q)}`).join('\n');
  return `> **Not covered:** These questions could not be researched, so this report does not answer them:\n>\n${items}`;
}

function sourcesList(cited: NumberedSource[]): string {
  if (cited.length === 0) return '_No sources were cited._';
  // Blank lines between entries: consecutive lines would merge into one paragraph when rendered.
  return cited
    .map((s) => {
      const url = escapeUrl(s.url);
      const title = escapeText(s.title) || escapeText(s.url);
      // A private source is no web link: name it, where it lives, and what kind it is.
      if (s.kind && s.kind !== 'web') return `[${s.n}] ${title} — \`${url}\` (${s.kind})`;
      return isLinkable(s.url) ? `[${s.n}] [${title}](${url})` : `[${s.n}] ${title} — \`${url}\``;
    })
    .join('\n\n');
}

export function renderReport(opts: RenderReportOptions): string {
  const { title, rest } = splitTitle(opts.body);
  const blocks: string[] = [];
  if (opts.simulated) blocks.push(SIMULATED_NOTICE);
  blocks.push(title ?? `# ${oneLine(opts.question)}`);
  if (opts.stoppedBy) blocks.push(`> **Note:** ${STOPPED_NOTES[opts.stoppedBy]}`);
  if (opts.failedQuestions && opts.failedQuestions.length > 0) blocks.push(failedNote(opts.failedQuestions));
  if (rest) blocks.push(rest);
  blocks.push('## Sources', sourcesList(opts.cited));
  blocks.push(
    `_Citations checked by code: every marker refers to a listed source (${opts.invalidRemoved} removed)._`,
  );
  return `${blocks.join('\n\n').trimEnd()}\n`;
}
