import { oneLineBounded } from '../../text';
import type { DocumentFormat, ExtractedSection } from './extract';
import type { Location } from './locations';

/**
 * Splits extracted documents into passages of roughly 600-1200 characters on paragraph boundaries: small
 * enough that a search hit is a citable fact rather than a whole file, large enough to carry its context.
 * Each passage knows its file, its location and the heading it falls under.
 */

export interface Passage {
  /** Relative to the folder, `/`-separated. */
  file: string;
  location: Location;
  /**
   * The nearest heading above the passage's text, or '' when there is none. A passage that runs over
   * several short sections names each of them ("Lodging; Meals"), so its title covers every fact in it.
   */
  heading: string;
  /** Every heading above or inside the passage, for the search index ("parental leave eligibility"). */
  headings: string[];
  text: string;
}

export const MIN_PASSAGE_CHARS = 600;
/** A heading becomes part of a source's title: a 2 MB heading line must not become a 2 MB title. */
export const MAX_HEADING_CHARS = 200;

function headingTitle(line: string): string {
  return oneLineBounded(line, MAX_HEADING_CHARS);
}
export const MAX_PASSAGE_CHARS = 1200;

interface Block {
  text: string;
  /** 1-based line numbers within the section. */
  start: number;
  end: number;
  heading?: { level: number; title: string };
}

/** A block on its way into a passage, with the headings in force where it stands. */
interface Placed {
  block: Block;
  path: string[];
}

export function splitPassages(file: string, format: DocumentFormat, sections: ExtractedSection[]): Passage[] {
  const passages: Passage[] = [];
  // Headings carry over from page to page: a PDF section often continues on the next page.
  const open: { level: number; title: string }[] = [];
  for (const section of sections) {
    let current: Placed[] = [];
    const size = () => current.reduce((n, p) => n + p.block.text.length + 2, 0);
    const hasContent = () => current.some((p) => !p.block.heading);
    const flush = () => {
      // Headings at the end belong to the text after them: they open the next passage.
      let cut = current.length;
      while (cut > 0 && current[cut - 1]?.block.heading) cut--;
      const taken = current.slice(0, cut);
      current = current.slice(cut);
      if (taken.length === 0) return;
      const first = (taken[0] as Placed).block;
      const last = (taken[taken.length - 1] as Placed).block;
      const paths = taken.filter((p) => !p.block.heading).map((p) => p.path);
      passages.push({
        file,
        location:
          section.page === undefined
            ? { kind: 'lines', start: first.start, end: last.end }
            : { kind: 'page', page: section.page },
        heading: sectionTitles(paths),
        headings: [...new Set(paths.flat())],
        text: taken.map((p) => p.block.text).join('\n\n'),
      });
    };

    for (const block of blocksOf(section.text, format)) {
      if (block.heading) {
        // A new section starts a new passage once the current one is long enough; short ones run on.
        if (hasContent() && size() >= MIN_PASSAGE_CHARS) flush();
        const { level, title } = block.heading;
        while ((open.at(-1)?.level ?? 0) >= level) open.pop();
        open.push({ level, title });
        current.push({ block, path: open.map((h) => h.title) });
        continue;
      }
      for (const piece of block.text.length > MAX_PASSAGE_CHARS ? splitLargeBlock(block) : [block]) {
        if (hasContent() && size() + piece.text.length > MAX_PASSAGE_CHARS) flush();
        current.push({ block: piece, path: open.map((h) => h.title) });
      }
    }
    // A section that ends on a heading alone (the end of a page or file) yields no passage of its own.
    flush();
  }
  return passages;
}

const MAX_TITLES = 3;

/**
 * The headings of the sections a passage covers, a subsection with its parent ("Parental leave ›
 * Eligibility": alone it can say too little), the parent written once for siblings.
 */
function sectionTitles(paths: string[][]): string {
  const titles: string[] = [];
  const seen = new Set<string>();
  let lastParent: string | undefined;
  for (const path of paths) {
    const own = path.at(-1);
    if (own === undefined || seen.has(path.join('\0'))) continue;
    seen.add(path.join('\0'));
    const parent = path.length >= 3 ? path.at(-2) : undefined;
    const qualified =
      parent !== undefined && parent !== lastParent && !own.toLowerCase().includes(parent.toLowerCase());
    titles.push(qualified ? `${parent} › ${own}` : own);
    lastParent = parent;
  }
  const shown = titles.slice(0, MAX_TITLES).join('; ');
  return titles.length > MAX_TITLES ? `${shown}; …` : shown;
}

const ATX_HEADING = /^\s{0,3}(#{1,6})\s+(.+?)(?:\s+#+)?\s*$/;
const SETEXT_UNDERLINE = /^\s{0,3}(=+|-+)\s*$/;
const THEMATIC_BREAK = /^\s{0,3}([-*_])(?:\s*\1){2,}\s*$/;
const CODE_FENCE = /^\s{0,3}(`{3,}|~{3,})/;

/**
 * Paragraphs (runs of non-blank lines) and headings: Markdown `#` and underlined headings in every
 * format (HTML and PDF text arrive with `#` headings), plus standalone ALL-CAPS lines in plain text,
 * the usual heading of a .txt file. Blank lines inside Markdown code fences do not split the code.
 */
function blocksOf(text: string, format: DocumentFormat): Block[] {
  const lines = text.split('\n');
  const blocks: Block[] = [];
  let paragraph: { lines: string[]; start: number } | undefined;
  let fence: string | undefined;
  const endParagraph = () => {
    if (paragraph) {
      const end = paragraph.start + paragraph.lines.length - 1;
      blocks.push({ text: paragraph.lines.join('\n').trimEnd(), start: paragraph.start, end });
    }
    paragraph = undefined;
  };
  const addLine = (line: string, n: number) => {
    paragraph ??= { lines: [], start: n };
    paragraph.lines.push(line);
  };

  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] as string;
    const n = i + 1;
    const fenceMark = format === 'markdown' ? CODE_FENCE.exec(line)?.[1] : undefined;
    if (fence !== undefined || fenceMark) {
      if (fence === undefined) fence = fenceMark;
      else if (fenceMark?.startsWith(fence)) fence = undefined;
      addLine(line, n);
      continue;
    }
    if (line.trim() === '') {
      endParagraph();
      continue;
    }
    const atx = ATX_HEADING.exec(line);
    if (atx) {
      endParagraph();
      blocks.push({
        text: line.trim(),
        start: n,
        end: n,
        heading: { level: atx[1]!.length, title: headingTitle(atx[2]!) },
      });
      continue;
    }
    const next = lines[i + 1];
    if (!paragraph && next !== undefined && SETEXT_UNDERLINE.test(next) && !THEMATIC_BREAK.test(line)) {
      const level = next.trim().startsWith('=') ? 1 : 2;
      blocks.push({
        text: `${line.trim()}\n${next.trim()}`,
        start: n,
        end: n + 1,
        heading: { level, title: headingTitle(line) },
      });
      i++;
      continue;
    }
    if (!paragraph && THEMATIC_BREAK.test(line)) continue;
    if (
      format === 'text' &&
      !paragraph &&
      isCapsHeading(line) &&
      (next === undefined || next.trim() === '')
    ) {
      blocks.push({ text: line.trim(), start: n, end: n, heading: { level: 1, title: headingTitle(line) } });
      continue;
    }
    addLine(line, n);
  }
  endParagraph();
  return blocks;
}

function isCapsHeading(line: string): boolean {
  const trimmed = line.trim();
  return (
    trimmed.length >= 3 && trimmed.length <= 80 && /\p{Lu}.*\p{Lu}/u.test(trimmed) && !/\p{Ll}/u.test(trimmed)
  );
}

/** A paragraph over the maximum (a long list, a table, a PDF page without gaps): cut between lines. */
function splitLargeBlock(block: Block): Block[] {
  const parts = block.text.split('\n').flatMap((line, i) =>
    (line.length > MAX_PASSAGE_CHARS ? splitLongLine(line) : [line]).map((text) => ({
      text,
      n: block.start + i,
    })),
  );
  const pieces: Block[] = [];
  let piece: { lines: string[]; start: number; end: number; length: number } | undefined;
  const endPiece = () => {
    if (piece) pieces.push({ text: piece.lines.join('\n'), start: piece.start, end: piece.end });
    piece = undefined;
  };
  for (const part of parts) {
    if (piece && piece.length + part.text.length + 1 > MAX_PASSAGE_CHARS) endPiece();
    piece ??= { lines: [], start: part.n, end: part.n, length: 0 };
    piece.lines.push(part.text);
    piece.end = part.n;
    piece.length += part.text.length + 1;
  }
  endPiece();
  return pieces;
}

/** One line longer than a passage (an unwrapped HTML paragraph): cut after sentences, else at spaces. */
function splitLongLine(line: string): string[] {
  const parts: string[] = [];
  let rest = line;
  while (rest.length > MAX_PASSAGE_CHARS) {
    const window = rest.slice(0, MAX_PASSAGE_CHARS);
    let cut = -1;
    for (const m of window.matchAll(/[.!?]["')\]]?\s+/g)) cut = m.index + m[0].length;
    if (cut < MIN_PASSAGE_CHARS) cut = window.lastIndexOf(' ') + 1;
    if (cut <= 0) cut = MAX_PASSAGE_CHARS;
    parts.push(rest.slice(0, cut).trimEnd());
    rest = rest.slice(cut).trimStart();
  }
  if (rest) parts.push(rest);
  return parts;
}
