/**
 * The SQLite source's child process (started by sqlite.ts, one per source): node:sqlite is synchronous, so
 * statements run here, where a slow one cannot block the worker and can be stopped by killing the process.
 *
 * Every request gets a connection of its own, opened read-only and closed after the answer, so nothing a
 * statement does (TEMP objects, PRAGMA settings) can reach the next one. On that connection an authorizer
 * allows only reading: SELECT, reading tables, calling functions, recursive CTEs and reading PRAGMAs that
 * describe the schema; temporary storage stays in memory (the parent watches this process's memory: node:sqlite
 * is built without memory statistics, so SQLite's own heap limit would not hold), and one value is capped. Queries are wrapped so SQLite itself cuts each text cell and stops
 * after maxRows + 1 rows; answers go back over IPC as display text, bounded in rows and bytes.
 *
 * Self-contained on purpose (only `node:` modules at run time, erasable TypeScript; the messages' types
 * come from sqlite-protocol.ts by `import type`, which is erased): it runs as compiled JavaScript from
 * dist/, and as this .ts file through Node's type stripping under tsx and jest.
 */
import { constants, DatabaseSync, type StatementSync } from 'node:sqlite';
import type { Cell, SqliteChildConfig, SqliteChildReply, SqliteChildRequest } from './sqlite-protocol';

const config = JSON.parse(process.argv[2] ?? '{}') as SqliteChildConfig;

/** PRAGMAs a statement may read (never set): the schema and harmless facts about the file. */
const READABLE_PRAGMAS = new Set([
  'table_info',
  'table_xinfo',
  'table_list',
  'index_list',
  'index_info',
  'index_xinfo',
  'foreign_key_list',
  'collation_list',
  'function_list',
  'pragma_list',
  'module_list',
  'compile_options',
  'database_list',
  'encoding',
  'user_version',
  'application_id',
  'page_size',
  'page_count',
  'freelist_count',
  'foreign_keys',
]);
/** PRAGMAs whose argument names a table or index (a query, not a setting). */
const PRAGMAS_WITH_ARGUMENT = new Set([
  'table_info',
  'table_xinfo',
  'table_list',
  'index_list',
  'index_info',
  'index_xinfo',
  'foreign_key_list',
]);
const REFUSED_FUNCTIONS = new Set(['load_extension', 'fts3_tokenizer']);

const ACTIONS = new Map<number, string>(
  Object.entries(constants)
    .filter(([name]) => name.startsWith('SQLITE_') && !name.startsWith('SQLITE_CHANGESET'))
    .map(([name, code]) => [code as number, name.slice('SQLITE_'.length).toLowerCase().replace(/_/g, ' ')]),
);

/** Why the last statement was refused by the authorizer, for the error message. */
let denied: string | undefined;

function authorize(action: number, arg1: string | null, arg2: string | null): number {
  const refuse = (why: string): number => {
    denied ??= why;
    return constants.SQLITE_DENY;
  };
  switch (action) {
    case constants.SQLITE_SELECT:
    case constants.SQLITE_READ:
    case constants.SQLITE_RECURSIVE:
      return constants.SQLITE_OK;
    case constants.SQLITE_FUNCTION:
      return REFUSED_FUNCTIONS.has((arg2 ?? '').toLowerCase())
        ? refuse(`the function ${arg2} is not allowed on a research source`)
        : constants.SQLITE_OK;
    case constants.SQLITE_PRAGMA: {
      const name = (arg1 ?? '').toLowerCase();
      if (!READABLE_PRAGMAS.has(name)) return refuse(`PRAGMA ${name} is not allowed on a research source`);
      if (arg2 !== null && !PRAGMAS_WITH_ARGUMENT.has(name))
        return refuse(`PRAGMA ${name} can be read here, not set`);
      return constants.SQLITE_OK;
    }
    default:
      return refuse(
        `${ACTIONS.get(action) ?? `action ${action}`} is not allowed: a research source only reads ` +
          '(no TEMP tables or views, ATTACH, transactions or writes)',
      );
  }
}

function open(): DatabaseSync {
  const db = new DatabaseSync(config.file, {
    readOnly: true,
    limits: { length: config.valueBytes, sqlLength: 1_000_000 },
  });
  // Before the authorizer, which would refuse setting these: sorts and temporary tables stay in memory,
  // inside the heap limit, instead of writing temporary files.
  db.exec('PRAGMA temp_store = MEMORY');
  db.setAuthorizer(authorize);
  return db;
}

function cell(value: unknown): Cell {
  if (value === null || value === undefined) return null;
  if (typeof value === 'bigint') return value.toString();
  if (typeof value === 'number')
    return Number.isInteger(value) ? String(value) : String(Number(value.toPrecision(12)));
  if (typeof value === 'string')
    return value.length > config.cellChars ? value.slice(0, config.cellChars) : value;
  if (value instanceof Uint8Array) return `<blob ${value.byteLength} bytes>`;
  return String(value);
}

function quoteIdentifier(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/** The statement to run: for a query, the user's statement as a CTE whose cells SQLite cuts itself. */
function prepare(
  db: DatabaseSync,
  request: SqliteChildRequest,
): { statement: StatementSync; columns: string[] } {
  const direct = db.prepare(request.sql);
  const columns = direct.columns().map((column) => column.name);
  if (!request.wrap || columns.length === 0) return { statement: direct, columns };
  const aliases = columns.map((_, i) => quoteIdentifier(`deep_research_c${i + 1}`));
  const cut = aliases
    .slice(0, config.maxColumns)
    .map(
      (alias) =>
        `CASE typeof(${alias}) WHEN 'text' THEN substr(${alias}, 1, ${config.cellChars}) ` +
        `WHEN 'blob' THEN '<blob ' || length(${alias}) || ' bytes>' ELSE ${alias} END`,
    );
  const wrapped =
    `WITH deep_research_query(${aliases.join(', ')}) AS (\n${request.sql}\n) ` +
    `SELECT ${cut.join(', ')} FROM deep_research_query LIMIT ${request.maxRows + 1}`;
  const shown = columns.slice(0, config.maxColumns);
  if (columns.length > config.maxColumns)
    shown.push(`(${columns.length - config.maxColumns} more columns not shown)`);
  return { statement: db.prepare(wrapped), columns: shown };
}

function answer(request: SqliteChildRequest): SqliteChildReply {
  denied = undefined;
  let db: DatabaseSync | undefined;
  try {
    db = open();
    const { statement, columns } = prepare(db, request);
    statement.setReadBigInts(true);
    statement.setReturnArrays(true);
    const rows: Cell[][] = [];
    let bytes = 0;
    let more = false;
    for (const row of statement.iterate(...request.params) as Iterable<unknown[]>) {
      if (rows.length >= request.maxRows || bytes > request.maxBytes) {
        more = true;
        break;
      }
      const cells = columns.map((_, i) => cell(row[i]));
      for (const c of cells) bytes += c === null ? 4 : Buffer.byteLength(c) + 3;
      rows.push(cells);
    }
    return { id: request.id, ok: true, result: { columns, rows, more } };
  } catch (error) {
    const message = String((error as Error)?.message ?? error);
    const why = denied ? `${message}: ${denied}` : message;
    const memory = /out of memory|too big/i.test(message)
      ? ` (a value may hold at most ${config.valueBytes} bytes, and a statement's process at most ` +
        `${config.processBytes} bytes, temporary sort space included: aggregate, filter or cut long values with substr)`
      : '';
    return { id: request.id, ok: false, error: why + memory };
  } finally {
    db?.close();
  }
}

process.on('disconnect', () => process.exit(0));
let ready = false;
try {
  open().close();
  ready = true;
} catch (error) {
  const reply: SqliteChildReply = {
    id: 0,
    ok: false,
    fatal: true,
    error: String((error as Error)?.message ?? error),
  };
  process.send?.(reply, () => process.exit(1));
}
if (ready) {
  process.on('message', (request: SqliteChildRequest) => {
    process.send?.(answer(request));
  });
  const started: SqliteChildReply = { id: 0, ok: true, result: { columns: [], rows: [], more: false } };
  process.send?.(started);
}
