import { statSync } from 'node:fs';
import path from 'node:path';
import type { ResearchSource } from '../types';
import { DocumentCorpus } from './corpus';
import { readDocumentTool } from './read-tool';
import { searchDocumentsTool } from './search-tool';

export { READ_DOCUMENT_TOOL, readDocumentArgs } from './read-tool';
export { DEFAULT_SEARCH_LIMIT, SEARCH_DOCUMENTS_TOOL, searchDocumentsArgs } from './search-tool';

export interface DocumentsSourceOptions {
  /** The folder to search; relative paths are resolved against the current directory. */
  path: string;
  /** Files larger than this are not read (PDF parsing time and memory grow with size). Default 20 MB. */
  maxFileBytes?: number;
}

export const DEFAULT_MAX_FILE_BYTES = 20 * 1024 * 1024;

/**
 * A folder of Markdown, text, HTML and PDF files as a research source, with two tools:
 * `search_documents` (full-text search returning cited passages) and `read_document` (a line range, a
 * page or the start of a file). The folder is read and indexed on first use, kept in memory, and
 * re-indexed when its files change. Problems the model can act on (a missing file, a bad location) come
 * back as "error: …" output; a folder that does not exist is a configuration error and throws.
 */
export function documentsSource(name: string, options: DocumentsSourceOptions): ResearchSource {
  if (!name.trim()) throw new Error('documents source: name must not be empty');
  const where = `documents source "${name}"`;
  const maxFileBytes = options.maxFileBytes ?? DEFAULT_MAX_FILE_BYTES;
  if (!Number.isSafeInteger(maxFileBytes) || maxFileBytes <= 0) {
    throw new Error(`${where}: maxFileBytes must be a positive integer, got ${options.maxFileBytes}`);
  }
  const root = path.resolve(options.path);
  const info = statSync(root, { throwIfNoEntry: false });
  if (!info) throw new Error(`${where}: folder not found: ${root}`);
  if (!info.isDirectory()) throw new Error(`${where}: not a folder: ${root}`);

  const corpus = new DocumentCorpus(root, maxFileBytes);
  return {
    name,
    kind: 'document',
    tools: [searchDocumentsTool(name, corpus), readDocumentTool(name, corpus)],
  };
}
