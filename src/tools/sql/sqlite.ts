import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import type { ResearchSource, ToolContext } from '../types';
import {
  COUNT_CAP,
  DESCRIBE_MAX_TABLES,
  MAX_CELL_CHARS,
  MAX_COLUMNS,
  type QueryRows,
  type SchemaColumn,
  type SchemaInfo,
  type SchemaTable,
} from './format';
import type { SqliteChildConfig, SqliteChildReply, SqliteChildRequest, SqliteQuery } from './sqlite-protocol';
import type { SqlStatement } from './statements';
import { checkName, SqlStatementError, sqlTools, type SqlBackend } from './tools';

export interface SqliteSourceOptions {
  /** The database file; opened read-only (it must exist). */
  path: string;
  /** Rows shown per query (default 50). */
  maxRows?: number;
  /** Bytes of output per query (default 16 KB). */
  maxBytes?: number;
  /** A statement running longer is stopped and reported to the model as an error (default 10 s). */
  statementTimeoutMs?: number;
}

const DEFAULT_TIMEOUT_MS = 10_000;
/** What one catalog query of describe_database may return (the description itself is cut to 32 KB). */
const DESCRIBE_BYTES = 4 * 1024 * 1024;

/**
 * A SQLite database file as a research source: describe_database and query_database.
 *
 * Read-only is the database's doing: the file is opened with `readOnly: true` (SQLITE_OPEN_READONLY) and an
 * authorizer refuses ATTACH/DETACH (which also blocks `VACUUM INTO`, the one way to write a file from a
 * read-only connection) and transaction statements. Queries run in a child Node process, because
 * node:sqlite is synchronous: a slow query would otherwise block the worker's event loop, and a child can
 * be killed when a statement outlives `statementTimeoutMs` (SQLite has no statement timeout of its own).
 */
export function sqliteSource(name: string, options: SqliteSourceOptions): ResearchSource {
  checkName('sqliteSource', name);
  const label = `sqliteSource "${name}"`;
  if (typeof options?.path !== 'string' || options.path === '') {
    throw new Error(`${label}: options.path is required (the SQLite database file)`);
  }
  const file = path.resolve(options.path);
  checkDatabaseFile(label, file);
  const timeoutMs = options.statementTimeoutMs ?? DEFAULT_TIMEOUT_MS;
  if (!Number.isInteger(timeoutMs) || timeoutMs < 1) {
    throw new Error(`${label}: options.statementTimeoutMs must be a positive integer (got ${timeoutMs})`);
  }
  const runner = new SqliteRunner(label, file, timeoutMs);
  const backend: SqlBackend = {
    dialect: 'sqlite',
    label: `SQLite database "${name}"`,
    describe: (ctx) => describeSqlite(runner, ctx),
    query: async (statement: SqlStatement, limits, ctx: ToolContext) =>
      runner.request(
        {
          op: 'query',
          sql: statement.text,
          params: [],
          ...limits,
          wrap: ['SELECT', 'WITH', 'VALUES'].includes(statement.first),
        },
        ctx,
      ),
  };
  return {
    name,
    kind: 'database',
    tools: sqlTools(name, backend, options),
    close: async () => runner.close(),
  };
}

function checkDatabaseFile(label: string, file: string): void {
  if (!existsSync(file)) throw new Error(`${label}: options.path: no such file: ${file}`);
  if (!statSync(file).isFile()) throw new Error(`${label}: options.path is not a file: ${file}`);
  let db: DatabaseSync | undefined;
  try {
    db = new DatabaseSync(file, { readOnly: true });
    db.prepare('SELECT count(*) FROM sqlite_schema').get();
  } catch (error) {
    throw new Error(`${label}: options.path: cannot read ${file} as a SQLite database: ${messageOf(error)}`, {
      cause: error,
    });
  } finally {
    db?.close();
  }
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

async function describeSqlite(runner: SqliteRunner, ctx: ToolContext): Promise<SchemaInfo> {
  const list = await runner.request(
    {
      op: 'query',
      sql:
        "SELECT type, name FROM sqlite_schema WHERE type IN ('table', 'view') AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' " +
        "ORDER BY type = 'view', name",
      params: [],
      maxRows: DESCRIBE_MAX_TABLES,
      maxBytes: DESCRIBE_BYTES,
      wrap: false,
    },
    ctx,
  );
  const tables: SchemaTable[] = [];
  for (const [type, name] of list.rows) {
    if (!name) continue;
    const columns = await runner.request(
      {
        op: 'query',
        sql: 'SELECT name, type, "notnull", pk FROM pragma_table_info(?) ORDER BY cid',
        params: [name],
        maxRows: 2000,
        maxBytes: DESCRIBE_BYTES,
        wrap: false,
      },
      ctx,
    );
    const keys = await runner.request(
      {
        op: 'query',
        sql: 'SELECT id, "from", "table", "to" FROM pragma_foreign_key_list(?) ORDER BY id, seq',
        params: [name],
        maxRows: 2000,
        maxBytes: DESCRIBE_BYTES,
        wrap: false,
      },
      ctx,
    );
    const primaryKey = columns.rows.filter((c) => c[3] !== '0').length;
    const schemaColumns: SchemaColumn[] = columns.rows.map((c) => ({
      name: c[0] ?? '',
      type: c[1] ?? '',
      notNull: c[2] === '1',
      primaryKey: primaryKey === 1 && c[3] !== '0',
    }));
    const constraints: string[] = [];
    if (primaryKey > 1) {
      const pk = columns.rows.filter((c) => c[3] !== '0').sort((a, b) => Number(a[3]) - Number(b[3]));
      constraints.push(`PRIMARY KEY (${pk.map((c) => c[0]).join(', ')})`);
    }
    const byId = new Map<string, { from: string[]; table: string; to: (string | null)[] }>();
    for (const [id, from, table, to] of keys.rows) {
      const key = byId.get(id ?? '') ?? { from: [], table: table ?? '', to: [] };
      key.from.push(from ?? '');
      key.to.push(to ?? null);
      byId.set(id ?? '', key);
    }
    for (const key of byId.values()) {
      const to = key.to.every((c) => c !== null) ? `(${key.to.join(', ')})` : '';
      const column = key.from.length === 1 ? schemaColumns.find((c) => c.name === key.from[0]) : undefined;
      if (column) column.references = `${key.table}${to}`;
      else constraints.push(`FOREIGN KEY (${key.from.join(', ')}) REFERENCES ${key.table}${to}`);
    }
    const entry: SchemaTable = {
      name: quoteIfNeeded(name),
      kind: type === 'view' ? 'view' : 'table',
      columns: schemaColumns,
      constraints,
    };
    if (type === 'table') {
      try {
        const counted = await runner.request(
          {
            op: 'query',
            sql: `SELECT count(*) FROM (SELECT 1 FROM "${name.replace(/"/g, '""')}" LIMIT ${COUNT_CAP + 1})`,
            params: [],
            maxRows: 1,
            maxBytes: DESCRIBE_BYTES,
            wrap: false,
          },
          ctx,
        );
        const count = Number(counted.rows[0]?.[0] ?? 0);
        entry.rows = { count: Math.min(count, COUNT_CAP), capped: count > COUNT_CAP };
      } catch (error) {
        if (!(error instanceof SqlStatementError)) throw error;
      }
    }
    tables.push(entry);
  }
  const omitted: string[] = [];
  if (list.more) omitted.push(`(more than ${DESCRIBE_MAX_TABLES} tables and views: query sqlite_schema)`);
  return { tables, omitted };
}

function quoteIfNeeded(identifier: string): string {
  return /^[A-Za-z_][A-Za-z0-9_]*$/.test(identifier) ? identifier : `"${identifier.replace(/"/g, '""')}"`;
}

/** The child's resident memory, in-memory temporary storage included: a statement needing more is stopped. */
export const SQLITE_PROCESS_BYTES = 512 * 1024 * 1024;

/** Resident bytes of a process (0 when unknown: no /proc). */
function residentBytes(pid: number | undefined): number {
  if (!pid) return 0;
  try {
    const kib = /VmRSS:\s*(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
    return kib ? Number(kib) * 1024 : 0;
  } catch {
    return 0;
  }
}
/** The longest string or blob the child's SQLite builds or reads. */
export const SQLITE_VALUE_BYTES = 64 * 1024 * 1024;
/** The child's JavaScript heap: it only ever holds cut cells, so this is generous. */
const CHILD_HEAP_MB = 128;

/**
 * The child's program and how to run it: the compiled sqlite-child.js next to this file (dist/), or the
 * .ts source through Node's type stripping (tsx, jest), which needs no loader.
 */
function childCommand(): { file: string; execArgv: string[] } {
  const compiled = path.join(__dirname, 'sqlite-child.js');
  if (existsSync(compiled)) return { file: compiled, execArgv: [] };
  return {
    file: path.join(__dirname, 'sqlite-child.ts'),
    execArgv: ['--experimental-strip-types', '--disable-warning=ExperimentalWarning'],
  };
}

/** One child process per source, started on first use, killed on timeout and restarted on the next request. */
class SqliteRunner {
  private child: ChildProcess | undefined;
  private ready: Promise<void> | undefined;
  private pending:
    { id: number; child: ChildProcess; resolve: (reply: SqliteChildReply) => void } | undefined;
  private queue: Promise<unknown> = Promise.resolve();
  private nextId = 1;
  private busy = 0;
  private keepAlive: NodeJS.Timeout | undefined;
  private stderr = '';
  private closed = false;

  constructor(
    private readonly label: string,
    private readonly file: string,
    private readonly timeoutMs: number,
  ) {}

  /** Requests run one at a time (the child is single-threaded); each one's timeout starts when it is sent. */
  request(request: SqliteQuery, ctx: ToolContext): Promise<QueryRows> {
    // While a request waits or runs (the child starting included), the process must stay alive for its
    // answer; idle, nothing of the child may keep it alive.
    this.busy += 1;
    const run = this.queue.then(() => this.send(request, ctx));
    const idle = (): void => {
      this.busy -= 1;
      if (this.busy === 0) clearInterval(this.keepAlive);
      if (this.busy === 0) this.keepAlive = undefined;
    };
    if (!this.keepAlive) this.keepAlive = setInterval(() => undefined, 60_000);
    run.then(idle, idle);
    this.queue = run.catch(() => undefined);
    return run;
  }

  async close(): Promise<void> {
    this.closed = true;
    this.kill();
  }

  private async send(request: SqliteQuery, ctx: ToolContext): Promise<QueryRows> {
    if (this.closed) throw new Error(`${this.label}: the source is closed`);
    if (ctx.signal.aborted)
      throw ctx.signal.reason instanceof Error ? ctx.signal.reason : new Error('aborted');
    const child = await this.start();
    const id = this.nextId++;
    let timer: NodeJS.Timeout | undefined;
    let watchdog: NodeJS.Timeout | undefined;
    let onAbort: (() => void) | undefined;
    let reply: SqliteChildReply | 'timeout' | 'aborted' | 'memory';
    try {
      reply = await new Promise<SqliteChildReply | 'timeout' | 'aborted' | 'memory'>((resolve) => {
        timer = setTimeout(() => resolve('timeout'), this.timeoutMs);
        // node:sqlite is built without memory statistics, so SQLite's own heap limit is not enforced: the
        // process's resident memory is watched instead (Linux /proc; elsewhere only the time limit holds).
        watchdog = setInterval(() => {
          if (residentBytes(child.pid) > SQLITE_PROCESS_BYTES) resolve('memory');
        }, 20);
        onAbort = () => resolve('aborted');
        ctx.signal.addEventListener('abort', onAbort, { once: true });
        this.pending = { id, child, resolve };
        child.send({ id, ...request } satisfies SqliteChildRequest, (error) => {
          if (error)
            resolve({
              id,
              ok: false,
              fatal: true,
              error: `cannot reach the SQLite process: ${error.message}`,
            });
        });
      });
    } finally {
      clearTimeout(timer);
      clearInterval(watchdog);
      if (onAbort) ctx.signal.removeEventListener('abort', onAbort);
      this.pending = undefined;
    }
    if (reply === 'timeout' || reply === 'aborted' || reply === 'memory') {
      // The statement may never return on its own: stop the whole process, start a fresh one next time.
      this.kill();
      if (reply === 'aborted')
        throw ctx.signal.reason instanceof Error ? ctx.signal.reason : new Error('aborted');
      if (reply === 'memory')
        throw new SqlStatementError(
          `the statement needed more than ${SQLITE_PROCESS_BYTES / 1024 / 1024} MiB of memory (temporary ` +
            'sort space included) and was stopped; aggregate, filter or cut long values with substr',
        );
      throw new SqlStatementError(
        `the statement did not finish within ${this.timeoutMs} ms and was stopped; ` +
          'narrow it (WHERE, LIMIT) or aggregate',
      );
    }
    if (!reply.ok) {
      if (reply.fatal) throw new Error(`${this.label}: ${reply.error}`);
      throw new SqlStatementError(reply.error);
    }
    return reply.result;
  }

  private start(): Promise<ChildProcess> {
    if (this.child && this.ready) {
      const child = this.child;
      return this.ready.then(() => child);
    }
    this.stderr = '';
    const { file, execArgv } = childCommand();
    const config: SqliteChildConfig = {
      file: this.file,
      cellChars: MAX_CELL_CHARS + 1,
      processBytes: SQLITE_PROCESS_BYTES,
      valueBytes: SQLITE_VALUE_BYTES,
      maxColumns: MAX_COLUMNS,
    };
    const child = spawn(
      process.execPath,
      [...execArgv, `--max-old-space-size=${CHILD_HEAP_MB}`, file, JSON.stringify(config)],
      { stdio: ['ignore', 'ignore', 'pipe', 'ipc'], env: { ...process.env, NODE_OPTIONS: '' } },
    );
    this.child = child;
    child.stderr?.setEncoding('utf8');
    child.stderr?.on('data', (chunk: string) => {
      this.stderr = (this.stderr + chunk).slice(-2000);
    });
    const ready = new Promise<void>((resolve, reject) => {
      const onStartup = (reply: SqliteChildReply): void => {
        if (reply.id !== 0) return;
        child.off('message', onStartup);
        if (reply.ok) resolve();
        else reject(new Error(`${this.label}: options.path: cannot open ${this.file}: ${reply.error}`));
      };
      child.on('message', onStartup);
      child.once('error', (error) =>
        reject(new Error(`${this.label}: cannot start the SQLite process: ${error.message}`)),
      );
      child.once('exit', (code, signal) =>
        reject(
          new Error(
            `${this.label}: the SQLite process exited before it was ready (${signal ?? code}): ${this.stderr.trim()}`,
          ),
        ),
      );
    });
    child.on('message', (reply: SqliteChildReply) => {
      if (reply.id !== 0 && this.pending?.id === reply.id) this.pending.resolve(reply);
    });
    child.on('exit', (code, signal) => {
      if (this.child === child) {
        this.child = undefined;
        this.ready = undefined;
      }
      // Only the request this child was serving: after a timeout, the next request may be on a new child.
      const pending = this.pending;
      if (pending?.child === child) {
        // The statement took the process down (its memory limits): the model hears it and can ask for less.
        pending.resolve({
          id: pending.id,
          ok: false,
          error:
            `the SQLite process stopped while running the statement (${signal ?? code}); it most likely ` +
            'needed more memory than a research source gets: aggregate, filter or cut long values with substr' +
            (this.stderr.trim() ? ` (${this.stderr.trim().slice(-300)})` : ''),
        });
      }
    });
    // An idle child must not keep the worker alive (nor its stderr pipe); a request in flight holds the
    // keep-alive timer of request(), and close() kills the child.
    child.unref();
    child.channel?.unref();
    (child.stderr as (NodeJS.ReadableStream & { unref?: () => void }) | null)?.unref?.();
    this.ready = ready;
    ready.catch(() => {
      if (this.child === child) this.kill();
    });
    return ready.then(() => child);
  }

  private kill(): void {
    const child = this.child;
    this.child = undefined;
    this.ready = undefined;
    if (child && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  }
}
