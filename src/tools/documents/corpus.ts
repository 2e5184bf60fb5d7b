import { extractDocument, type DocumentFormat, type ExtractedSection } from './extract';
import { splitPassages, type Passage } from './passages';
import { PdfReader } from './pdf-reader';
import { PassageIndex } from './search-index';
import { toolError, type ToolResult } from '../types';
import { errorMessage } from './text';
import { listFolder, type FileEntry, type FolderListing } from './walk';

/** A file that was read: its text (for read_document) and its passages (for search). */
export interface DocumentRecord {
  file: string;
  format: DocumentFormat;
  sections: ExtractedSection[];
  passages: Passage[];
}

/** The folder as of one listing: what could be read, what could not and why, and the search index. */
export interface CorpusSnapshot {
  signature: string;
  documents: Map<string, DocumentRecord>;
  /** File -> why it is not searchable ("it is larger than …", "it could not be read: …"). */
  unreadable: Map<string, string>;
  index: PassageIndex;
}

interface CachedFile {
  size: number;
  mtimeMs: number;
  record?: DocumentRecord;
  problem?: string;
}

export interface CorpusHooks {
  /** Told the file about to be read, and undefined when it is done: the reader process's watchdog. */
  onFile?(file: string | undefined): void;
  /** Files not to read, with the reason the model is told (they stopped an earlier reader). */
  skipped?: ReadonlyMap<string, string>;
  /** How long one PDF may take to parse. */
  fileTimeoutMs?: number;
}

/**
 * The folder's documents, read and indexed on first use and kept in memory. Every call re-lists the
 * folder (stat only) and rebuilds when anything changed; files whose size and mtime are unchanged are not
 * read again, so editing one Markdown file does not re-parse every PDF.
 */
export class DocumentCorpus {
  private snapshot: CorpusSnapshot | undefined;
  private building: { signature: string; promise: Promise<CorpusSnapshot> } | undefined;
  private readonly files = new Map<string, CachedFile>();

  constructor(
    readonly root: string,
    readonly maxFileBytes: number,
    private readonly hooks: CorpusHooks = {},
  ) {}

  async current(): Promise<CorpusSnapshot> {
    const listing = await listFolder(this.root);
    if (this.snapshot?.signature === listing.signature) return this.snapshot;
    // Concurrent calls (the model often searches in parallel) share one build of the same state.
    if (this.building?.signature !== listing.signature) {
      const promise = this.build(listing);
      const building = { signature: listing.signature, promise };
      this.building = building;
      promise.then(
        (snapshot) => {
          if (this.building !== building) return;
          this.snapshot = snapshot;
          this.building = undefined;
        },
        () => {
          if (this.building === building) this.building = undefined;
        },
      );
    }
    return this.building.promise;
  }

  private async build(listing: FolderListing): Promise<CorpusSnapshot> {
    const documents = new Map<string, DocumentRecord>();
    const unreadable = new Map<string, string>();
    const pdfReader = new PdfReader(this.hooks.fileTimeoutMs);
    const index = new PassageIndex();
    try {
      for (const entry of listing.files) {
        const skipped = this.hooks.skipped?.get(entry.file);
        if (skipped) {
          unreadable.set(entry.file, skipped);
          continue;
        }
        // Reading and indexing a file happen inside its window: time and memory are charged to it.
        this.hooks.onFile?.(entry.file);
        let cached = this.files.get(entry.file);
        if (!cached || cached.size !== entry.size || cached.mtimeMs !== entry.mtimeMs) {
          cached = await this.read(entry, pdfReader);
          this.files.set(entry.file, cached);
        }
        if (cached.record) {
          documents.set(entry.file, cached.record);
          index.add(cached.record.passages);
        } else unreadable.set(entry.file, cached.problem ?? 'it could not be read');
        this.hooks.onFile?.(undefined);
      }
    } finally {
      await pdfReader.close();
    }
    const listed = new Set(listing.files.map((f) => f.file));
    for (const file of this.files.keys()) if (!listed.has(file)) this.files.delete(file);
    return { signature: listing.signature, documents, unreadable, index };
  }

  private async read(entry: FileEntry, pdfReader: PdfReader): Promise<CachedFile> {
    const stamp = { size: entry.size, mtimeMs: entry.mtimeMs };
    if (entry.size > this.maxFileBytes) {
      return {
        ...stamp,
        problem: `it is larger than this source's limit of ${megabytes(this.maxFileBytes)}`,
      };
    }
    try {
      const sections = await extractDocument(entry.absolutePath, entry.format, pdfReader, {
        root: this.root,
        maxBytes: this.maxFileBytes,
      });
      if (entry.format === 'pdf' && sections.every((s) => s.text.trim() === '')) {
        return { ...stamp, problem: 'it has no text layer (a scanned PDF needs OCR first)' };
      }
      const passages = splitPassages(entry.file, entry.format, sections);
      return { ...stamp, record: { file: entry.file, format: entry.format, sections, passages } };
    } catch (error) {
      return { ...stamp, problem: `it could not be read (${errorMessage(error)})` };
    }
  }
}

function megabytes(bytes: number): string {
  return `${Math.round((bytes / (1024 * 1024)) * 10) / 10} MB`;
}

/**
 * The current snapshot for a tool call, or the error text the model gets when the folder cannot be read.
 * A cancelled call is thrown, not answered.
 */
export async function snapshotForCall(
  corpus: DocumentCorpus,
  sourceName: string,
  signal: AbortSignal,
): Promise<CorpusSnapshot | ToolResult> {
  let snapshot: CorpusSnapshot;
  try {
    snapshot = await corpus.current();
  } catch (error) {
    if (signal.aborted) throw error;
    return toolError(`could not read the folder of ${sourceName} (${errorMessage(error)})`);
  }
  signal.throwIfAborted();
  return snapshot;
}
