import { constants } from 'node:fs';
import { open, realpath } from 'node:fs/promises';
import path from 'node:path';
import { convert, type FormatCallback } from 'html-to-text';
import { layoutPdfPages } from './pdf-layout';
import type { PdfReader } from './pdf-reader';

export type DocumentFormat = 'markdown' | 'text' | 'html' | 'pdf';

const FORMATS: Record<string, DocumentFormat> = {
  '.md': 'markdown',
  '.txt': 'text',
  '.html': 'html',
  '.htm': 'html',
  '.pdf': 'pdf',
};

/** The format a file name implies, or undefined for files this source does not read. */
export function formatOf(fileName: string): DocumentFormat | undefined {
  return FORMATS[path.extname(fileName).toLowerCase()];
}

/**
 * A document's text: one section for text-like files (whose lines are what `L12-L30` counts), one per
 * page for PDFs (cited as `page=3`). HTML and PDF headings come out as Markdown `#` lines, so the passage
 * splitter finds headings the same way in every format.
 */
export interface ExtractedSection {
  text: string;
  /** 1-based page number, for PDFs only. */
  page?: number;
}

export async function extractDocument(
  absolutePath: string,
  format: DocumentFormat,
  pdfReader: PdfReader,
  within: { root: string; maxBytes: number },
): Promise<ExtractedSection[]> {
  const bytes = await readInside(absolutePath, within.root, within.maxBytes);
  switch (format) {
    case 'markdown':
    case 'text':
      return [{ text: decodeText(bytes) }];
    case 'html':
      return [{ text: htmlToText(decodeText(bytes)) }];
    case 'pdf': {
      const pages = layoutPdfPages(await pdfReader.pages(bytes));
      return pages.map((text, i) => ({ text, page: i + 1 }));
    }
  }
}

/**
 * The bytes of a file that is inside `root`, however the folder changes meanwhile. The listing saw a
 * regular file, but between the listing and this read anyone who may write the folder can swap the file
 * (or a folder above it) for a symbolic link to /etc/passwd. So the file is opened without following a
 * link (O_NOFOLLOW: a link as the last component fails with ELOOP), and the descriptor actually opened is
 * checked: a regular file, whose real path (`/proc/self/fd/N`, which names what the descriptor refers
 * to, not what the path means now) lies inside the folder's real path. Only then is it read, and never
 * more than `maxBytes`.
 */
export async function readInside(absolutePath: string, root: string, maxBytes: number): Promise<Buffer> {
  const realRoot = await realpath(root);
  let handle;
  try {
    handle = await open(absolutePath, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ELOOP') {
      throw new Error('it is a symbolic link (links are not followed)', { cause: error });
    }
    throw error;
  }
  try {
    const info = await handle.stat();
    if (!info.isFile()) throw new Error('it is not a regular file');
    if (info.size > maxBytes) throw new Error(`it is larger than ${maxBytes} bytes`);
    const real = await realpath(`/proc/self/fd/${handle.fd}`).catch(() => undefined);
    // Where /proc is missing (not Linux) the open above still refused a link as the file itself.
    if (real !== undefined && !real.startsWith(realRoot + path.sep)) {
      throw new Error('it resolves outside the folder');
    }
    const buffer = Buffer.alloc(Math.min(info.size, maxBytes));
    let filled = 0;
    while (filled < buffer.length) {
      const { bytesRead } = await handle.read(buffer, filled, buffer.length - filled, filled);
      if (bytesRead === 0) break;
      filled += bytesRead;
    }
    return buffer.subarray(0, filled);
  } finally {
    await handle.close();
  }
}

/** UTF-8 without a byte-order mark, with `\n` line ends (a CRLF file has the same line numbers). */
function decodeText(bytes: Buffer): string {
  return bytes
    .toString('utf8')
    .replace(/^\uFEFF/, '')
    .replace(/\r\n?/g, '\n');
}

/** `<h2>Rotations</h2>` becomes `## Rotations`, on its own line between blank lines. */
const markdownHeading: FormatCallback = (elem, walk, builder, options) => {
  const level = Number(elem.name?.slice(1)) || 1;
  builder.openBlock({ leadingLineBreaks: options.leadingLineBreaks ?? 2 });
  builder.addLiteral(`${'#'.repeat(level)} `);
  walk(elem.children, builder);
  builder.closeBlock({ trailingLineBreaks: options.trailingLineBreaks ?? 2 });
};

/**
 * Readable text of an HTML page. No word wrapping: one paragraph per line keeps line ranges meaningful
 * and passages intact. Links keep their text only (their targets are relative paths or tracking URLs,
 * noise to a reader); navigation, images and forms are dropped.
 */
export function htmlToText(html: string): string {
  const headings = ['h1', 'h2', 'h3', 'h4', 'h5', 'h6'].map((selector) => ({
    selector,
    format: 'markdownHeading',
  }));
  return convert(html, {
    wordwrap: false,
    formatters: { markdownHeading },
    selectors: [
      ...headings,
      { selector: 'a', options: { ignoreHref: true } },
      { selector: 'img', format: 'skip' },
      { selector: 'nav', format: 'skip' },
      { selector: 'form', format: 'skip' },
      { selector: 'table', format: 'dataTable', options: { uppercaseHeaderCells: false } },
    ],
  })
    .replace(/[ \t]+$/gm, '')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
}
