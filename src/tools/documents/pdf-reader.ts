import { Worker } from 'node:worker_threads';

/** A run of text on a PDF page, as pdf.js reports it (coordinates in PDF points, origin bottom-left). */
export interface PdfTextItem {
  str: string;
  x: number;
  y: number;
  width: number;
  fontSize: number;
  hasEOL: boolean;
}

/** How long one PDF may take to parse before its thread is ended and the file is skipped. */
export const PDF_TIMEOUT_MS = 30_000;
/** The PDF thread's JavaScript heap. */
export const PDF_HEAP_MB = 512;

// Plain JavaScript: the thread runs it as is, without TypeScript or the host's module loader.
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const { getDocumentProxy, extractTextItems } = require(workerData.unpdf);
parentPort.on('message', async ({ id, bytes }) => {
  let pdf;
  try {
    // No eval in pdf.js (fonts compiled to functions were its code-execution hole, CVE-2024-4367),
    // no console noise from malformed files.
    pdf = await getDocumentProxy(bytes, { isEvalSupported: false, verbosity: 0 });
    const { items } = await extractTextItems(pdf);
    const pages = items.map((page) =>
      page.map((i) => ({ str: i.str, x: i.x, y: i.y, width: i.width, fontSize: i.fontSize, hasEOL: i.hasEOL })),
    );
    parentPort.postMessage({ id, pages });
  } catch (error) {
    parentPort.postMessage({ id, error: error instanceof Error ? error.message : String(error) });
  } finally {
    if (pdf) await pdf.loadingTask.destroy().catch(() => undefined);
  }
});
`;

interface Pending {
  resolve(pages: PdfTextItem[][]): void;
  reject(error: Error): void;
  timer: NodeJS.Timeout;
}

type WorkerReply = { id: number; pages: PdfTextItem[][] } | { id: number; error: string };

/**
 * Reads the text items of PDFs with pdf.js (through unpdf) in a worker thread, one thread per indexing
 * run. A thread because pdf.js parsing is CPU-bound and would stall the Temporal worker's event loop
 * (heartbeats, other activities); because a parse that hangs on a hostile file can be ended by ending the
 * thread; and because unpdf loads pdf.js, an ES module, with a dynamic import(), which a plain thread
 * always supports whatever module loader the host process uses (Jest's sandbox refuses it).
 */
export class PdfReader {
  private worker: Worker | undefined;
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;

  constructor(private readonly timeoutMs = PDF_TIMEOUT_MS) {}

  /** The text items of each page, in page order. Rejects with the parser's message for a broken file. */
  pages(bytes: Uint8Array): Promise<PdfTextItem[][]> {
    const worker = this.start();
    const id = this.nextId++;
    // A private copy, moved (not cloned) to the thread: the caller's buffer may be a shared pool slice.
    const copy = new Uint8Array(bytes);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new Error(`PDF parsing took longer than ${this.timeoutMs / 1000} s`));
        // The thread may be stuck in that file: end it, and the next file gets a fresh one.
        void this.stop(worker);
      }, this.timeoutMs);
      this.pending.set(id, { resolve, reject, timer });
      worker.postMessage({ id, bytes: copy }, [copy.buffer]);
    });
  }

  /** Ends the thread; PDFs still being read fail. */
  async close(): Promise<void> {
    if (this.worker) await this.stop(this.worker);
  }

  private start(): Worker {
    if (this.worker) return this.worker;
    const worker = new Worker(WORKER_SOURCE, {
      eval: true,
      workerData: { unpdf: require.resolve('unpdf') },
      // A content bomb ends this thread (ERR_WORKER_OUT_OF_MEMORY), not the process: the file is skipped.
      resourceLimits: { maxOldGenerationSizeMb: PDF_HEAP_MB, maxYoungGenerationSizeMb: 64 },
      env: {},
    });
    // Never the reason the process stays alive, should a caller forget close().
    worker.unref();
    worker.on('message', (reply: WorkerReply) => {
      const pending = this.pending.get(reply.id);
      if (!pending) return;
      this.pending.delete(reply.id);
      clearTimeout(pending.timer);
      if ('error' in reply) pending.reject(new Error(reply.error));
      else pending.resolve(reply.pages);
    });
    worker.on('error', (error) => this.failAll(worker, error));
    worker.on('exit', (code) =>
      this.failAll(worker, new Error(`the PDF reader thread exited (code ${code})`)),
    );
    this.worker = worker;
    return worker;
  }

  private async stop(worker: Worker): Promise<void> {
    this.failAll(worker, new Error('the PDF reader was closed'));
    await worker.terminate();
  }

  private failAll(worker: Worker, error: Error): void {
    if (this.worker !== worker) return;
    this.worker = undefined;
    for (const pending of this.pending.values()) {
      clearTimeout(pending.timer);
      pending.reject(error);
    }
    this.pending.clear();
  }
}
