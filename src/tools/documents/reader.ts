import { fork, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { toolError, type ToolResult } from '../types';
import type { ReaderReply, ReaderRequest } from './reader-process';

/**
 * Runs a documents source's tools in a child process of its own, so that nothing a file does can stall
 * or exhaust the worker: a 7 MB deeply nested HTML file takes minutes to convert, a 19 MB Markdown file
 * seconds to index, a 3 MB PDF content bomb gigabytes to parse. The worker's event loop only sends a
 * call and receives its (bounded) answer.
 *
 * Limits, enforced from here, where a blocked child cannot interfere:
 * - time: a file still being read `fileTimeoutMs` (plus a grace for the child's own PDF timeout) after
 *   it started ends the process;
 * - memory: the process's resident memory is sampled every 100 ms (Linux `/proc`), and over
 *   `maxMemoryMb` it is ended; its JavaScript heap is capped too (`--max-old-space-size`), on every OS.
 * The file being read when the process had to be ended is remembered and skipped from then on (the model
 * is told why, like any unreadable file), and the calls in flight are sent to a fresh process.
 *
 * The process gets no environment beyond PATH and TMPDIR (the worker's own holds API keys), and never
 * keeps the worker alive: it is unreferenced while idle and exits when its parent goes.
 */

export interface ReaderLimits {
  fileTimeoutMs: number;
  maxMemoryMb: number;
}

interface PendingCall {
  tool: string;
  args: unknown;
  restarts: number;
  resolve(result: ToolResult): void;
}

/** Calls in flight are retried in a fresh process at most this often when a file ended the last one. */
const MAX_RESTARTS_PER_CALL = 5;
const WATCHDOG_MS = 100;
/** The child's own PDF timeout fires first: it skips the file without losing the process. */
const TIMEOUT_GRACE_MS = 2000;

export class DocumentsReader {
  private child: ChildProcess | undefined;
  private readonly pending = new Map<number, PendingCall>();
  private readonly skipped = new Map<string, string>();
  private current: { file: string; since: number } | undefined;
  private stopReason: string | undefined;
  private watchdog: NodeJS.Timeout | undefined;
  private nextId = 1;
  private closed = false;
  /** Highest resident memory seen of any reader process, in bytes (for benchmarks and tests). */
  peakRssBytes = 0;
  /** How many reader processes had to be ended, and why (the last reasons). */
  readonly stopped: string[] = [];

  constructor(
    private readonly sourceName: string,
    private readonly root: string,
    private readonly maxFileBytes: number,
    private readonly limits: ReaderLimits,
  ) {}

  /** The pid of the running reader process, if any. */
  get pid(): number | undefined {
    return this.child?.pid;
  }

  call(tool: string, args: unknown, signal: AbortSignal): Promise<ToolResult> {
    if (this.closed) return Promise.reject(new Error(`documents source "${this.sourceName}" is closed`));
    if (signal.aborted) return Promise.reject(signal.reason);
    return new Promise<ToolResult>((resolve, reject) => {
      const id = this.nextId++;
      const onAbort = () => {
        this.pending.delete(id);
        this.refIfBusy();
        reject(signal.reason);
      };
      signal.addEventListener('abort', onAbort, { once: true });
      this.pending.set(id, {
        tool,
        args,
        restarts: 0,
        resolve: (result) => {
          signal.removeEventListener('abort', onAbort);
          resolve(result);
        },
      });
      this.send({ type: 'call', id, tool, args });
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    const child = this.child;
    for (const call of this.pending.values()) call.resolve(toolError(`${this.sourceName} was closed`));
    this.pending.clear();
    if (child && child.exitCode === null && child.signalCode === null) {
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      child.kill('SIGKILL');
      await exited;
    }
  }

  private send(request: ReaderRequest): void {
    const child = this.start();
    this.refIfBusy();
    child.send(request);
  }

  private start(): ChildProcess {
    if (this.child) return this.child;
    // From dist/ this file is .js and so is its child; under tsx or Jest it is .ts, run through tsx.
    const extension = path.extname(__filename);
    const entry = path.join(__dirname, `reader-process${extension}`);
    const heapMb = Math.max(64, Math.floor(this.limits.maxMemoryMb * 0.75));
    const execArgv = [
      `--max-old-space-size=${heapMb}`,
      ...(extension === '.ts' ? ['--import', pathToFileURL(require.resolve('tsx')).href] : []),
    ];
    const env: NodeJS.ProcessEnv = {};
    for (const key of ['PATH', 'TMPDIR', 'SystemRoot']) if (process.env[key]) env[key] = process.env[key];
    const child = fork(entry, [], { execArgv, env, stdio: ['ignore', 'ignore', 'ignore', 'ipc'] });
    this.child = child;
    child.on('message', (reply: ReaderReply) => this.received(child, reply));
    child.on('exit', (code, signal) => this.exited(child, code, signal));
    child.on('error', () => {
      // 'exit' follows (or the send fails): handled there.
    });
    child.send({
      type: 'init',
      sourceName: this.sourceName,
      root: this.root,
      maxFileBytes: this.maxFileBytes,
      fileTimeoutMs: this.limits.fileTimeoutMs,
      skipped: Object.fromEntries(this.skipped),
    } satisfies ReaderRequest);
    this.watchdog = setInterval(() => this.check(child), WATCHDOG_MS);
    this.watchdog.unref();
    return child;
  }

  /** Referenced only while a call waits for it: an idle reader never keeps the process alive. */
  private refIfBusy(): void {
    const child = this.child;
    if (!child) return;
    if (this.pending.size > 0) {
      child.ref();
      child.channel?.ref();
    } else {
      child.unref();
      child.channel?.unref();
    }
  }

  private received(child: ChildProcess, reply: ReaderReply): void {
    if (child !== this.child) return;
    if (reply.type === 'file') {
      this.current = reply.file === null ? undefined : { file: reply.file, since: Date.now() };
      return;
    }
    const call = this.pending.get(reply.id);
    if (!call) return;
    this.pending.delete(reply.id);
    this.refIfBusy();
    call.resolve(
      reply.type === 'result'
        ? (reply.result as ToolResult)
        : toolError(`${this.sourceName} could not answer (${reply.message})`),
    );
  }

  private check(child: ChildProcess): void {
    if (child !== this.child || !child.pid || this.stopReason) return;
    const rss = residentBytes(child.pid);
    if (rss !== undefined) {
      this.peakRssBytes = Math.max(this.peakRssBytes, rss);
      if (rss > this.limits.maxMemoryMb * 1024 * 1024) {
        this.stop(child, `used more than ${this.limits.maxMemoryMb} MB of memory`);
        return;
      }
    }
    const current = this.current;
    if (current && Date.now() - current.since > this.limits.fileTimeoutMs + TIMEOUT_GRACE_MS) {
      this.stop(child, `took longer than ${Math.round(this.limits.fileTimeoutMs / 100) / 10} s`);
    }
  }

  private stop(child: ChildProcess, reason: string): void {
    this.stopReason = reason;
    child.kill('SIGKILL');
  }

  private exited(child: ChildProcess, code: number | null, signal: NodeJS.Signals | null): void {
    if (child !== this.child) return;
    this.child = undefined;
    clearInterval(this.watchdog);
    const culprit = this.current?.file;
    this.current = undefined;
    const reason =
      this.stopReason ??
      (signal === 'SIGABRT' || code === 134
        ? 'ran out of memory'
        : `ended the reader process (${signal ?? `exit code ${code}`})`);
    this.stopReason = undefined;
    if (this.closed) return;
    this.stopped.push(culprit ? `${culprit}: ${reason}` : reason);
    if (culprit) this.skipped.set(culprit, `reading it ${reason}, so it is skipped`);
    const calls = [...this.pending.entries()];
    this.pending.clear();
    for (const [id, call] of calls) {
      if (culprit && call.restarts < MAX_RESTARTS_PER_CALL) {
        this.pending.set(id, { ...call, restarts: call.restarts + 1 });
      } else {
        call.resolve(toolError(`${this.sourceName} could not answer: its reader ${reason}`));
      }
    }
    if (this.pending.size > 0) {
      this.start();
      for (const [id, call] of this.pending)
        this.send({ type: 'call', id, tool: call.tool, args: call.args });
    }
    this.refIfBusy();
  }
}

/** A process's resident memory from /proc, or undefined where there is no /proc (not Linux). */
function residentBytes(pid: number): number | undefined {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'latin1');
    const kb = /^VmRSS:\s+(\d+)\s+kB/m.exec(status)?.[1];
    return kb === undefined ? undefined : Number(kb) * 1024;
  } catch {
    return undefined;
  }
}
