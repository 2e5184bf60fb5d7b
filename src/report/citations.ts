import type { NumberedSource } from '../schemas/research';

/**
 * Checks every citation marker the writer model wrote against the numbered source list it was given,
 * so no report cites a source that does not exist. Pure (no I/O): safe inside workflow code.
 *
 * Markers: `[3]`, `[2, 5]`, `[2; 5]`, `[4-6]` / `[4–6]` (ranges of at most 10 numbers are expanded;
 * wider ones count as their two ends), and runs of them such as `[1][2]` or `[1], [2]`. Left alone:
 * links and images `[text](url)`, footnotes `[^1]`, checkboxes `[ ]`, escaped `\[1]`, inline code and
 * fenced code blocks.
 *
 * Output style: every run of markers is rewritten as adjacent single-number brackets in ascending
 * order, `[1][2][3]`: one number per bracket reads the same in every Markdown renderer and needs no
 * range or separator rules.
 */

export interface CitationCheck {
  /** The text with invalid markers removed and every marker renumbered 1..k by first appearance. */
  markdown: string;
  /** Exactly the sources cited, with their new numbers, ordered by number. */
  cited: NumberedSource[];
  /** Citation numbers removed because no listed source has them. */
  invalidRemoved: number;
  /** Citation numbers examined (ranges expanded). */
  markersChecked: number;
}

/** Wider ranges are almost surely not citations of every source between: only their ends count. */
const MAX_RANGE = 10;

const NUMBER_ITEM = String.raw`\d{1,6}(?:[ \t]*[-–—][ \t]*\d{1,6})?`;
const GROUP = String.raw`\[[ \t]*${NUMBER_ITEM}(?:[ \t]*[,;][ \t]*${NUMBER_ITEM})*[ \t]*\](?!\()`;
const CLUSTER = String.raw`${GROUP}(?:[ \t]*,?[ \t]*${GROUP})*`;
const LINK_DESTINATION = String.raw`(?:<[^<>\n]*>|(?:[^()\s]|\([^()\s]*\))*)`;
const LINK_TITLE = String.raw`(?:[ \t]+(?:"[^"\n]*"|'[^'\n]*'))?`;
const LINK = String.raw`!?\[(?:[^\[\]\n]|\[[^\[\]\n]*\])*\]\(${LINK_DESTINATION}${LINK_TITLE}[ \t]*\)`;
/** A code span never crosses a blank line (paragraph end), so a stray backtick protects little. */
const CODE_SPAN = String.raw`(?<!\`)(\`+)(?!\`)(?:[^\n]|\n(?![ \t]*\n))*?(?<!\`)\1(?!\`)`;
const AUTOLINK = String.raw`<[a-zA-Z][a-zA-Z0-9+.-]*:[^\s<>]*>`;
const ESCAPE = String.raw`\\.`;

/** Constructs that are never markers come first, so a marker is only found outside them. */
const INLINE = `${CODE_SPAN}|${LINK}|${AUTOLINK}|${ESCAPE}|(?<cluster>${CLUSTER})`;

const FENCE_OPEN = /^ {0,3}(`{3,}|~{3,})(.*)$/;
const ATX_HEADING = /^ {0,3}(#{1,6})[ \t]+(.*?)(?:[ \t]+#+)?[ \t]*$/;
const BOLD_LINE = /^ {0,3}(\*\*|__)(.+?)\1[ \t]*:?[ \t]*$/;
const SOURCES_TITLE =
  /^(?:list of |cited |key )?(?:sources?|references?|bibliography|works cited|citations)(?: (?:cited|used|list))?(?: (?:and|&) (?:sources|references|links|further reading))?$/;
const THEMATIC_BREAK = /^ {0,3}([-*_])(?:[ \t]*\1){2,}[ \t]*$/;
/** `[3]: https://...`: the model's own link list, which would bind `[3]` to a URL we do not check. */
const NUMERIC_LINK_DEFINITION = /^ {0,3}\[\d+\]:[ \t]*\S/;

/** For each line, whether it belongs to a fenced code block (fences included). */
function fencedLines(lines: string[]): boolean[] {
  const fenced: boolean[] = [];
  let fence: string | undefined;
  for (const line of lines) {
    if (fence === undefined) {
      const open = FENCE_OPEN.exec(line);
      // A backtick fence's info string may not contain backticks (CommonMark).
      const opens = open?.[1] !== undefined && !(open[1].startsWith('`') && open[2]?.includes('`'));
      if (opens) fence = open[1];
      fenced.push(opens);
    } else {
      const char = fence.charAt(0);
      const closing = new RegExp(`^ {0,3}${char === '`' ? '`' : '~'}{${fence.length},}[ \\t]*$`);
      if (closing.test(line)) fence = undefined;
      fenced.push(true);
    }
  }
  return fenced;
}

interface Heading {
  line: number;
  /** 1-6 for `#` headings; 7 for a line that is only bold text, which acts as a minor heading. */
  level: number;
  sourcesList: boolean;
}

function headingTitle(text: string): string {
  return text
    .replace(/[*_`]/g, '')
    .replace(/^\d+(?:\.\d+)*\.?\s+/, '')
    .replace(/[\s:.]+$/, '')
    .replace(/\s+/g, ' ')
    .trim()
    .toLowerCase();
}

function headings(lines: string[], fenced: boolean[]): Heading[] {
  const found: Heading[] = [];
  lines.forEach((line, i) => {
    if (fenced[i]) return;
    const atx = ATX_HEADING.exec(line);
    const bold = atx ? undefined : BOLD_LINE.exec(line);
    const text = atx?.[2] ?? bold?.[2];
    if (text === undefined) return;
    const level = atx?.[1]?.length ?? 7;
    found.push({ line: i, level, sourcesList: SOURCES_TITLE.test(headingTitle(text)) });
  });
  return found;
}

/**
 * The line where the model's own closing source list starts, if any: a "Sources"-like heading after
 * which come only deeper headings or other source-list headings (so it really is the end).
 */
function sourcesSectionStart(lines: string[], fenced: boolean[]): number | undefined {
  const all = headings(lines, fenced);
  const start = all.findIndex(
    (h, i) => h.sourcesList && all.slice(i + 1).every((later) => later.sourcesList || later.level > h.level),
  );
  return start === -1 ? undefined : all[start]?.line;
}

/** Drops trailing blank lines and a trailing `---` that only separated the removed section. */
function trimTrailingSeparators(lines: string[]): string[] {
  const out = [...lines];
  const isBlank = (i: number) => (out[i] ?? '').trim() === '';
  while (out.length > 0 && isBlank(out.length - 1)) out.pop();
  const last = out[out.length - 1];
  // Only after a blank line: right under a paragraph `---` is a heading underline, not a separator.
  if (last !== undefined && THEMATIC_BREAK.test(last) && (out.length === 1 || isBlank(out.length - 2))) {
    out.pop();
    while (out.length > 0 && isBlank(out.length - 1)) out.pop();
  }
  return out;
}

/** The numbers one run of markers cites, as written: ranges expanded, duplicates kept. */
function parseCluster(text: string): number[] {
  const numbers: number[] = [];
  for (const group of text.match(/\[[^\]]*\]/g) ?? []) {
    for (const item of group.slice(1, -1).split(/[,;]/)) {
      const [a, b] = item.split(/[-–—]/).map((part) => Number.parseInt(part.trim(), 10));
      if (a === undefined || Number.isNaN(a)) continue;
      numbers.push(...expandRange(a, b === undefined || Number.isNaN(b) ? a : b));
    }
  }
  return numbers;
}

function expandRange(a: number, b: number): number[] {
  const [lo, hi] = a <= b ? [a, b] : [b, a];
  if (lo === hi) return [lo];
  if (hi - lo + 1 > MAX_RANGE) return [lo, hi];
  return Array.from({ length: hi - lo + 1 }, (_, i) => lo + i);
}

/** Checks and renumbers markers segment by segment; numbering carries across segments. */
class Renumberer {
  readonly byNumber: Map<number, NumberedSource>;
  /** Old number -> new number, assigned on first valid appearance. */
  readonly renumbered = new Map<number, number>();
  invalidRemoved = 0;
  markersChecked = 0;

  constructor(sources: NumberedSource[]) {
    this.byNumber = new Map(sources.map((s) => [s.n, s]));
  }

  /** The new numbers this run of markers keeps, ascending (empty: the whole run goes). */
  private renumber(numbers: number[]): number[] {
    const kept = new Set<number>();
    for (const n of numbers) {
      this.markersChecked += 1;
      if (!this.byNumber.has(n)) {
        this.invalidRemoved += 1;
        continue;
      }
      let next = this.renumbered.get(n);
      if (next === undefined) {
        next = this.renumbered.size + 1;
        this.renumbered.set(n, next);
      }
      kept.add(next);
    }
    return [...kept].sort((x, y) => x - y);
  }

  /** One text segment (no fenced code inside) with its markers checked and renumbered. */
  segment(text: string): string {
    let out = '';
    let from = 0;
    const inline = new RegExp(INLINE, 'g');
    for (let match = inline.exec(text); match; match = inline.exec(text)) {
      out += text.slice(from, match.index);
      from = inline.lastIndex;
      const cluster = match.groups?.cluster;
      if (cluster === undefined) {
        out += match[0];
        continue;
      }
      const kept = this.renumber(parseCluster(cluster));
      if (kept.length > 0) {
        out += kept.map((n) => `[${n}]`).join('');
      } else if (/[ \t]$/.test(out)) {
        out = out.slice(0, -1);
      } else if ((out === '' || out.endsWith('\n')) && /^[ \t]/.test(text.slice(from))) {
        // At the start of a line there is no preceding space: drop the following one instead.
        from += 1;
        inline.lastIndex = from;
      }
    }
    return out + text.slice(from);
  }

  cited(): NumberedSource[] {
    return [...this.renumbered]
      .map(([old, n]) => {
        const source = this.byNumber.get(old);
        return source && { ...source, n };
      })
      .filter((s): s is NumberedSource => s !== undefined)
      .sort((x, y) => x.n - y.n);
  }
}

/**
 * Removes the model's own closing source list and numeric link definitions, removes every marker
 * number not in `sources` (a run left empty goes with one preceding space), then renumbers the cited
 * sources 1..k by first appearance and rewrites every marker to match.
 */
export function checkCitations(markdown: string, sources: NumberedSource[]): CitationCheck {
  let lines = markdown.replace(/\r\n?/g, '\n').split('\n');
  let fenced = fencedLines(lines);
  const start = sourcesSectionStart(lines, fenced);
  if (start !== undefined) {
    lines = trimTrailingSeparators(lines.slice(0, start));
    fenced = fenced.slice(0, lines.length);
  }
  const keep = lines.map((line, i) => fenced[i] === true || !NUMERIC_LINK_DEFINITION.test(line));
  lines = lines.filter((_, i) => keep[i]);
  fenced = fenced.filter((_, i) => keep[i]);

  const renumberer = new Renumberer(sources);
  const out: string[] = [];
  let run: string[] = [];
  const flush = () => {
    if (run.length > 0) out.push(renumberer.segment(run.join('\n')));
    run = [];
  };
  lines.forEach((line, i) => {
    if (fenced[i]) {
      flush();
      out.push(line);
    } else {
      run.push(line);
    }
  });
  flush();

  return {
    markdown: out.join('\n').trimEnd(),
    cited: renumberer.cited(),
    invalidRemoved: renumberer.invalidRemoved,
    markersChecked: renumberer.markersChecked,
  };
}
