import { z } from 'zod';
import { clipAtWord } from '../../text';
import { defineTool, type ToolResult, type ToolSource } from '../types';
import type { CorpusSnapshot, DocumentCorpus } from './corpus';
import { snapshotForCall } from './corpus';
import { describeLocation, sourceUrl } from './locations';
import type { Passage } from './passages';
import { dataNotice, excerpt, MAX_OUTPUT_CHARS, MAX_PASSAGE_OUTPUT_CHARS } from './text';

export const SEARCH_DOCUMENTS_TOOL = 'search_documents';
export const DEFAULT_SEARCH_LIMIT = 5;
/** File names listed when nothing matched, so the model can pick one to read instead. */
const MAX_LISTED_FILES = 20;

export const searchDocumentsArgs = z.object({
  query: z
    .string({
      error: (issue) => (issue.input === undefined ? 'query is required' : undefined),
    })
    .trim()
    .min(1, 'query must not be empty')
    .max(300, 'query must be at most 300 characters')
    .describe('Words to search for, e.g. "parental leave weeks" or "hotel nightly limit".'),
  limit: z
    .number()
    .int()
    .min(1)
    .max(10)
    .optional()
    .describe(`How many passages to return (1-10, default ${DEFAULT_SEARCH_LIMIT}).`),
});

export function searchDocumentsTool(sourceName: string, corpus: DocumentCorpus) {
  return defineTool({
    name: SEARCH_DOCUMENTS_TOOL,
    description:
      `Full-text search of the documents in ${sourceName} (Markdown, text, HTML and PDF files). Returns ` +
      'the best-matching passages with their file and location (lines or page). Use specific words; ' +
      'search again with other words if the first results miss. Read more around a passage with read_document.',
    parameters: searchDocumentsArgs,
    summaryArgument: 'query',
    async run(args, ctx): Promise<ToolResult> {
      const snapshot = await snapshotForCall(corpus, sourceName, ctx.signal);
      if ('output' in snapshot) return snapshot;
      if (snapshot.index.size === 0) return { output: emptyCorpus(sourceName, snapshot), sources: [] };
      const passages = snapshot.index.query(args.query, args.limit ?? DEFAULT_SEARCH_LIMIT);
      if (passages.length === 0) return { output: noMatch(sourceName, args.query, snapshot), sources: [] };
      return render(sourceName, passages);
    },
  });
}

function render(sourceName: string, passages: Passage[]): ToolResult {
  let output = dataNotice(sourceName, 'Passages');
  const sources: ToolSource[] = [];
  for (const [i, passage] of passages.entries()) {
    const heading = passage.heading ? ` — ${passage.heading}` : '';
    const entry =
      `\n\n[D${i + 1}] ${passage.file} (${describeLocation(passage.location)})${heading}\n` +
      clipAtWord(passage.text, MAX_PASSAGE_OUTPUT_CHARS);
    if (sources.length > 0 && output.length + entry.length > MAX_OUTPUT_CHARS) {
      output += `\n\n(${passages.length - i} more passages left out to keep this answer short.)`;
      break;
    }
    output += entry;
    sources.push({
      url: sourceUrl(sourceName, passage.file, passage.location),
      title: passage.heading ? `${passage.file} — ${passage.heading}` : passage.file,
      kind: 'document',
      excerpt: excerpt(passage.text),
    });
  }
  return { output, sources };
}

function noMatch(sourceName: string, query: string, snapshot: CorpusSnapshot): string {
  const files = [...snapshot.documents.keys()];
  const listed = files.slice(0, MAX_LISTED_FILES).join(', ');
  const more = files.length > MAX_LISTED_FILES ? ` and ${files.length - MAX_LISTED_FILES} more` : '';
  return (
    `No passages in ${sourceName} match "${query}". Try other or fewer words. ` +
    `Its documents: ${listed}${more}.`
  );
}

function emptyCorpus(sourceName: string, snapshot: CorpusSnapshot): string {
  const problems = [...snapshot.unreadable]
    .slice(0, MAX_LISTED_FILES)
    .map(([file, why]) => `${file}: ${why}`);
  return (
    `${sourceName} has no searchable documents (it reads .md, .txt, .html, .htm and .pdf files).` +
    (problems.length ? ` Files it could not use: ${problems.join('; ')}.` : '')
  );
}
