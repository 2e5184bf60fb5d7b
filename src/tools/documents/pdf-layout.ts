import { oneLine } from '../../text';
import type { PdfTextItem } from './pdf-reader';

/**
 * Turns pdf.js text items into plain text per page, shaped like the other formats so the passage
 * splitter treats them alike: one line per printed line, a blank line where the vertical gap shows a new
 * paragraph, and lines set noticeably larger than the body text marked as Markdown headings (`# `, `## `).
 * PDFs carry no paragraph or heading markup; layout is the only evidence there is.
 */

interface Line {
  text: string;
  y: number;
  fontSize: number;
}

const HEADING_RATIO = 1.2;
const TITLE_RATIO = 1.5;
const MAX_HEADING_CHARS = 120;
/** A gap this much larger than the page's usual line spacing starts a new paragraph. */
const PARAGRAPH_GAP_RATIO = 1.4;

export function layoutPdfPages(pages: PdfTextItem[][]): string[] {
  const bodySize = bodyFontSize(pages);
  return pages.map((items) => layoutPage(linesOf(items), bodySize));
}

/** The font size that sets the most characters: the body text. */
function bodyFontSize(pages: PdfTextItem[][]): number {
  const chars = new Map<number, number>();
  for (const item of pages.flat()) {
    const size = Math.round(item.fontSize * 10) / 10;
    chars.set(size, (chars.get(size) ?? 0) + item.str.trim().length);
  }
  let best = 0;
  let bestChars = -1;
  for (const [size, count] of chars) {
    if (count > bestChars) [best, bestChars] = [size, count];
  }
  return best;
}

/** Groups items into printed lines: a new line after an end-of-line mark or when the baseline moves. */
function linesOf(items: PdfTextItem[]): Line[] {
  const lines: Line[] = [];
  let current: { parts: string[]; y: number; fontSize: number; end: number } | undefined;
  let lineBreak = false;
  for (const item of items) {
    const moved = current !== undefined && Math.abs(item.y - current.y) > Math.max(1, item.fontSize * 0.3);
    if (item.str !== '' && (current === undefined || lineBreak || moved)) {
      if (current) lines.push(finish(current));
      current = { parts: [], y: item.y, fontSize: 0, end: item.x };
    }
    if (current && item.str !== '') {
      // Items on one line usually carry their own spaces; add one where a visible gap has none.
      const previous = current.parts[current.parts.length - 1];
      const gap = item.x - current.end;
      if (previous && !/\s$/.test(previous) && !/^\s/.test(item.str) && gap > item.fontSize * 0.15) {
        current.parts.push(' ');
      }
      current.parts.push(item.str);
      current.fontSize = Math.max(current.fontSize, item.fontSize);
      current.end = item.x + item.width;
      lineBreak = false;
    }
    if (item.hasEOL) lineBreak = true;
  }
  if (current) lines.push(finish(current));
  return lines.filter((line) => line.text !== '');
}

function finish(line: { parts: string[]; y: number; fontSize: number }): Line {
  return { text: oneLine(line.parts.join('')), y: line.y, fontSize: line.fontSize };
}

function layoutPage(lines: Line[], bodySize: number): string {
  const gaps = lines
    .slice(1)
    .map((line, i) => (lines[i]?.y ?? line.y) - line.y)
    .filter((gap) => gap > 0);
  const usualGap = median(gaps) ?? bodySize * 1.2;
  const out: string[] = [];
  let previous: { line: Line; heading: boolean } | undefined;
  for (const line of lines) {
    const heading =
      bodySize > 0 && line.fontSize >= bodySize * HEADING_RATIO && line.text.length <= MAX_HEADING_CHARS;
    const gap = previous ? previous.line.y - line.y : 0;
    // A heading that wraps onto a second line (same size, right below) stays one heading.
    if (heading && previous?.heading && previous.line.fontSize === line.fontSize && gap > 0) {
      out[out.length - 1] += ` ${line.text}`;
      previous = { line, heading };
      continue;
    }
    const newParagraph = previous !== undefined && (gap <= 0 || gap > usualGap * PARAGRAPH_GAP_RATIO);
    if (previous && (newParagraph || heading || previous.heading)) out.push('');
    out.push(heading ? `${line.fontSize >= bodySize * TITLE_RATIO ? '#' : '##'} ${line.text}` : line.text);
    previous = { line, heading };
  }
  return out.join('\n');
}

function median(values: number[]): number | undefined {
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}
