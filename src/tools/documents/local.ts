import type { ResearchTool } from '../types';
import { DocumentCorpus, type CorpusHooks } from './corpus';
import { readDocumentTool } from './read-tool';
import { searchDocumentsTool } from './search-tool';

/**
 * The two tools over a corpus read in this process. Only the reader process (reader-process.ts) runs
 * these: reading, converting and indexing files is the work that can be large or slow, so it never runs
 * on the worker's main thread. `documentsSource` offers the same tools and sends each call there.
 */
export function localDocumentsTools(
  sourceName: string,
  root: string,
  maxFileBytes: number,
  hooks: CorpusHooks = {},
): ResearchTool[] {
  const corpus = new DocumentCorpus(root, maxFileBytes, hooks);
  return [searchDocumentsTool(sourceName, corpus), readDocumentTool(sourceName, corpus)];
}
