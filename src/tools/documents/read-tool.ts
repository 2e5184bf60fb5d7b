import { z } from 'zod';
import { clipAtWord } from '../../text';
import { defineTool, toolError, type ToolResult, type ToolSource } from '../types';
import type { CorpusSnapshot, DocumentCorpus, DocumentRecord } from './corpus';
import { snapshotForCall } from './corpus';
import { describeLocation, parseLocation, sourceUrl, type Location } from './locations';
import { decodedFile, requestedFile } from './paths';
import { dataNotice, excerpt, MAX_OUTPUT_CHARS } from './text';

export const READ_DOCUMENT_TOOL = 'read_document';

export const readDocumentArgs = z.object({
  file: z
    .string({ error: (issue) => (issue.input === undefined ? 'file is required' : undefined) })
    .min(1, 'file must not be empty')
    .max(1000)
    .describe('The file as search_documents shows it, relative to the folder, e.g. "policies/leave.md".'),
  location: z
    .string()
    .max(100)
    .optional()
    .describe(
      'Which part: a line range such as "L40-L90" for text files, or "page 3" for PDFs. Default: the start.',
    ),
});

export function readDocumentTool(sourceName: string, corpus: DocumentCorpus) {
  return defineTool({
    name: READ_DOCUMENT_TOOL,
    description:
      `Read a document of ${sourceName}: a line range (e.g. "L40-L90") of a text, Markdown or HTML file, ` +
      `a page of a PDF, or the start of the file. At most ${MAX_OUTPUT_CHARS} characters per call.`,
    parameters: readDocumentArgs,
    summaryArgument: 'file',
    async run(args, ctx): Promise<ToolResult> {
      const requested = requestedFile(sourceName, args.file);
      if ('refused' in requested) return toolError(requested.refused);
      const snapshot = await snapshotForCall(corpus, sourceName, ctx.signal);
      if ('output' in snapshot) return snapshot;

      // Lookups go through the index only: a file that was not listed inside the folder cannot be read.
      const decoded = decodedFile(requested.file);
      const file = snapshot.documents.has(requested.file) || !decoded ? requested.file : decoded;
      const problem = snapshot.unreadable.get(file);
      if (problem) return toolError(`${file} cannot be read: ${problem}`);
      const document = snapshot.documents.get(file);
      if (!document) return toolError(unknownFile(sourceName, file, snapshot));

      const locationText = args.location?.trim() || requested.fragment;
      let location: Location | undefined;
      if (locationText) {
        location = parseLocation(locationText);
        if (!location) {
          return toolError(
            `"${locationText}" is not a location; use a line range like "L40-L90" or a page like "page 3"`,
          );
        }
      }
      return document.format === 'pdf'
        ? readPages(sourceName, document, location)
        : readLines(sourceName, document, location);
    },
  });
}

/** A line range of a text-like file, cut at a line boundary to stay within the output limit. */
function readLines(sourceName: string, document: DocumentRecord, location: Location | undefined): ToolResult {
  if (location?.kind === 'page') {
    return toolError(`${document.file} has no pages; ask for a line range such as "L1-L80"`);
  }
  const lines = (document.sections[0]?.text ?? '').split('\n');
  const start = location?.start ?? 1;
  if (start > lines.length) return toolError(`${document.file} has only ${lines.length} lines`);
  const last = Math.min(location?.end ?? lines.length, lines.length);
  const shown: string[] = [];
  let length = 0;
  for (let n = start; n <= last; n++) {
    const line = lines[n - 1] ?? '';
    if (shown.length > 0 && length + line.length + 1 > MAX_OUTPUT_CHARS) break;
    shown.push(line);
    length += line.length + 1;
  }
  const end = start + shown.length - 1;
  const range: Location = { kind: 'lines', start, end };
  const heading = headingAt(document, (p) => p.location.kind === 'lines' && p.location.start <= start);
  const text = clipAtWord(shown.join('\n'), MAX_OUTPUT_CHARS);
  const more = end < lines.length ? `\n\n(${document.file} continues: read from L${end + 1} for more.)` : '';
  return {
    output:
      `${dataNotice(sourceName, 'Text')}\n\n` +
      `${document.file} (${describeLocation(range)} of ${lines.length} lines)\n${text}${more}`,
    sources: [source(sourceName, document.file, range, heading, text)],
  };
}

/** One page of a PDF, or without a location as many whole pages from the first as fit. */
function readPages(sourceName: string, document: DocumentRecord, location: Location | undefined): ToolResult {
  if (location?.kind === 'lines') {
    return toolError(`${document.file} is a PDF: ask for a page such as "page 1" instead of a line range`);
  }
  const total = document.sections.length;
  const first = location?.page ?? 1;
  const firstSection = document.sections[first - 1];
  if (!firstSection) return toolError(`${document.file} has only ${total} page${total === 1 ? '' : 's'}`);
  const pages = [firstSection];
  if (!location) {
    let length = firstSection.text.length;
    for (const section of document.sections.slice(1)) {
      if (length + section.text.length > MAX_OUTPUT_CHARS) break;
      pages.push(section);
      length += section.text.length;
    }
  }
  const body: string[] = [];
  const sources: ToolSource[] = [];
  for (const section of pages) {
    const page = section.page ?? first;
    const text = clipAtWord(section.text, pages.length === 1 ? MAX_OUTPUT_CHARS : section.text.length);
    const heading = headingAt(document, (p) => p.location.kind === 'page' && p.location.page <= page);
    body.push(`--- ${document.file} (page ${page} of ${total}) ---\n${text}`);
    sources.push(source(sourceName, document.file, { kind: 'page', page }, heading, text));
  }
  const lastPage = first + pages.length - 1;
  const more =
    lastPage < total ? `\n\n(${document.file} continues: ask for "page ${lastPage + 1}" for more.)` : '';
  return { output: `${dataNotice(sourceName, 'Text')}\n\n${body.join('\n\n')}${more}`, sources };
}

/** The heading in force at a position: that of the last passage starting at or before it. */
function headingAt(
  document: DocumentRecord,
  startsBefore: (p: DocumentRecord['passages'][number]) => boolean,
): string {
  return document.passages.filter(startsBefore).at(-1)?.heading ?? '';
}

function source(
  sourceName: string,
  file: string,
  location: Location,
  heading: string,
  text: string,
): ToolSource {
  return {
    url: sourceUrl(sourceName, file, location),
    title: heading ? `${file} — ${heading}` : file,
    kind: 'document',
    excerpt: excerpt(text),
  };
}

function unknownFile(sourceName: string, file: string, snapshot: CorpusSnapshot): string {
  const files = [...snapshot.documents.keys()];
  const listed = files.slice(0, 20).join(', ');
  const more = files.length > 20 ? ` and ${files.length - 20} more` : '';
  return `${sourceName} has no document "${file}". Its documents: ${listed || '(none)'}${more}.`;
}
