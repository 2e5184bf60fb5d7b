import { statSync } from 'node:fs';
import path from 'node:path';
import type { ResearchSource, ResearchTool } from '../types';
import { localDocumentsTools } from './local';
import { DocumentsReader } from './reader';

export { READ_DOCUMENT_TOOL, readDocumentArgs } from './read-tool';
export { DEFAULT_SEARCH_LIMIT, SEARCH_DOCUMENTS_TOOL, searchDocumentsArgs } from './search-tool';

export interface DocumentsSourceOptions {
  /** The folder to search; relative paths are resolved against the current directory. */
  path: string;
  /** Files larger than this are not read (PDF parsing time and memory grow with size). Default 20 MB. */
  maxFileBytes?: number;
  /** How long reading and converting one file may take before it is skipped. Default 20 s. */
  fileTimeoutMs?: number;
  /** Memory the reader process may use (resident, all threads) before the file it reads is skipped. Default 1024 MB. */
  maxMemoryMb?: number;
}

export const DEFAULT_MAX_FILE_BYTES = 20 * 1024 * 1024;
export const DEFAULT_FILE_TIMEOUT_MS = 20_000;
export const DEFAULT_MAX_MEMORY_MB = 1024;

/** A documents source, with the process that reads its files (for tests and benchmarks). */
export interface DocumentsSource extends ResearchSource {
  reader: DocumentsReader;
  close(): Promise<void>;
}

/**
 * A folder of Markdown, text, HTML and PDF files as a research source, with two tools:
 * `search_documents` (full-text search returning cited passages) and `read_document` (a line range, a
 * page or the start of a file). The folder is read and indexed on first use, kept in memory, and
 * re-indexed when its files change. Problems the model can act on (a missing file, a bad location) come
 * back as "error: …" output; a folder that does not exist is a configuration error and throws.
 *
 * Files are read, converted and indexed in a reader process with time and memory limits (reader.ts),
 * never on the worker's main thread; a file is opened only if it is inside the folder when opened
 * (extract.ts `readInside`).
 */
export function documentsSource(name: string, options: DocumentsSourceOptions): DocumentsSource {
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

  const fileTimeoutMs = positive(where, 'fileTimeoutMs', options.fileTimeoutMs, DEFAULT_FILE_TIMEOUT_MS);
  const maxMemoryMb = positive(where, 'maxMemoryMb', options.maxMemoryMb, DEFAULT_MAX_MEMORY_MB);

  const reader = new DocumentsReader(name, root, maxFileBytes, { fileTimeoutMs, maxMemoryMb });
  // The same tools (names, descriptions, argument schemas), each call answered by the reader process.
  const tools = localDocumentsTools(name, root, maxFileBytes).map((tool): ResearchTool => ({
    ...tool,
    run: (args, ctx) => reader.call(tool.name, args, ctx.signal),
  }));
  return { name, kind: 'document', tools, reader, close: () => reader.close() };
}

function positive(where: string, field: string, value: number | undefined, fallback: number): number {
  const chosen = value ?? fallback;
  if (!Number.isSafeInteger(chosen) || chosen <= 0) {
    throw new Error(`${where}: ${field} must be a positive integer, got ${value}`);
  }
  return chosen;
}
