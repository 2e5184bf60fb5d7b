import { z } from 'zod';
import { defineTool, type ResearchTool, type ToolContext, type ToolResult, type ToolSource } from '../types';
import {
  DEFAULT_MAX_BYTES,
  DEFAULT_MAX_ROWS,
  DESCRIBE_MAX_BYTES,
  formatRows,
  formatSchema,
  queryTitle,
  rowsExcerpt,
  schemaExcerpt,
  sqlHash,
  type QueryRows,
  type SchemaInfo,
} from './format';
import { mainVerb, splitStatements, type SqlDialect, type SqlStatement } from './statements';

/**
 * The two tools every SQL source offers, over a backend that runs statements read-only: describe_database
 * (the schema) and query_database (one statement, rows as a bounded Markdown table). Problems the model
 * can fix (bad SQL, a refused write, a timeout) come back as output text starting with "error:";
 * configuration problems (no such file, server unreachable) are thrown.
 */

/** An error the database reported for a statement: shown to the model, not thrown. */
export class SqlStatementError extends Error {
  override name = 'SqlStatementError';
}

export interface SqlBackend {
  dialect: SqlDialect;
  /** e.g. `SQLite database "sales"`, for headings and tool descriptions. */
  label: string;
  describe(ctx: ToolContext): Promise<SchemaInfo>;
  /**
   * Runs one accepted statement read-only. At most `maxRows` rows come back, each cell at most
   * MAX_CELL_CHARS + 1 characters (longer ones are cut where they are read), and reading stops once the
   * cells passed `maxBytes`, so what reaches the formatter is bounded. Throws SqlStatementError for the model.
   */
  query(
    statement: SqlStatement,
    limits: { maxRows: number; maxBytes: number },
    ctx: ToolContext,
  ): Promise<QueryRows>;
}

export interface SqlLimits {
  maxRows?: number;
  maxBytes?: number;
}

const describeParameters = z.object({});

const queryParameters = z.object({
  sql: z
    .string()
    .min(1)
    .max(4000)
    .describe('Exactly one read-only SQL statement (SELECT, WITH ... SELECT, EXPLAIN, ...).'),
  purpose: z
    .string()
    .max(200)
    .optional()
    .describe('What the query finds out, in a few words; it titles the cited source.'),
});

/**
 * The statements a research query may be: queries only. Anything else (DO, COPY, EXECUTE, CALL, SET,
 * transaction control, DDL, writes) is refused before it reaches the database, whose own read-only
 * enforcement stays the second line. `(` opens a parenthesised query (`(SELECT ...) UNION (SELECT ...)`).
 */
const ACCEPTED_FIRST: Record<SqlDialect, Set<string>> = {
  sqlite: new Set(['SELECT', 'WITH', 'VALUES', 'PRAGMA', 'EXPLAIN']),
  postgres: new Set(['SELECT', 'WITH', 'VALUES', 'TABLE', 'SHOW', 'EXPLAIN', '(']),
};
const QUERY_VERBS = new Set(['SELECT', 'VALUES', 'TABLE']);
const EXPLAIN_OPTIONS = new Set(['ANALYZE', 'ANALYSE', 'VERBOSE']);

/**
 * PostgreSQL functions a research query may not name, anywhere (as a call, in attribute notation, quoted):
 * they act on other sessions or the server (signal and terminate backends, reload configuration, switch
 * WAL, replication slots and origins, logical messages, NOTIFY, statistics resets), hold state past the
 * call (advisory locks, `set_config`), reach the server's files (`pg_read_file`, `pg_ls_*`, large-object
 * import/export), or run SQL given as text, which would hide any of these from this check
 * (`query_to_xml`, `ts_stat`, `dblink`). A deny-list, because research needs the hundreds of ordinary
 * functions (and the operator's own); the role check, the READ ONLY transaction and `DISCARD ALL` after
 * each call stand behind it.
 */
const REFUSED_POSTGRES_FUNCTIONS: RegExp[] = [
  /^pg_(terminate|cancel)_backend$/,
  /^pg_(try_)?advisory_/,
  /^set_config$/,
  /^pg_.*replication/,
  /^pg_logical_/,
  /^pg_notify$/,
  /^pg_(reload_conf|rotate_logfile|switch_wal|create_restore_point|promote|log_standby_snapshot)$/,
  /^pg_wal_replay_/,
  /^pg_(start_backup|stop_backup|backup_start|backup_stop)$/,
  /^pg_stat(_statements)?_reset/,
  /^pg_log_backend_memory_contexts$/,
  /^pg_read_(binary_)?file$/,
  /^pg_ls_/,
  /^pg_stat_file$/,
  /^pg_file_/,
  /^lo_(import|export)$/,
  /^dblink/,
  /^pg_background/,
  /^(query|cursor|table|schema|database)_to_xml/,
  /^(query|cursor|table|schema|database)_to_xmlschema$/,
  /^ts_stat$/,
  /^pg_import_system_collations$/,
];

/** Why `statement` is not accepted as a research query, or undefined when it is. */
export function refusal(statement: SqlStatement, dialect: SqlDialect): string | undefined {
  const accepted =
    dialect === 'sqlite'
      ? 'SELECT, WITH ... SELECT, VALUES, PRAGMA (to read a setting or the schema), EXPLAIN'
      : 'SELECT, WITH ... SELECT, VALUES, TABLE, SHOW, EXPLAIN';
  const onlyQueries = `only queries are accepted (${accepted}); each call runs one in its own read-only transaction`;
  if (statement.malformed) return `the statement is not accepted: ${statement.malformed}`;
  const first = statement.first;
  if (!ACCEPTED_FIRST[dialect].has(first)) return `${first} is not allowed: ${onlyQueries}`;
  if (first === 'WITH') {
    const verb = mainVerb(statement);
    if (!QUERY_VERBS.has(verb)) return `WITH ... ${verb} is not allowed: ${onlyQueries}`;
  }
  if (first === 'EXPLAIN') {
    const inner = statement.words.slice(1).find((word) => !EXPLAIN_OPTIONS.has(word)) ?? '';
    const explainable =
      dialect === 'sqlite' ? ['QUERY', 'SELECT', 'WITH', 'VALUES'] : ['SELECT', 'WITH', 'VALUES', 'TABLE'];
    if (!explainable.includes(inner)) return `EXPLAIN ${inner} is not allowed: ${onlyQueries}`;
  }
  if (dialect === 'postgres') {
    for (const name of statement.identifiers) {
      if (REFUSED_POSTGRES_FUNCTIONS.some((pattern) => pattern.test(name))) {
        return (
          `${name} is not allowed in a research query: it acts on the server or other sessions, keeps ` +
          'state after the call, reads server files or runs SQL given as text'
        );
      }
    }
  }
  return undefined;
}

export function checkLimits(source: string, limits: SqlLimits): { maxRows: number; maxBytes: number } {
  const maxRows = limits.maxRows ?? DEFAULT_MAX_ROWS;
  const maxBytes = limits.maxBytes ?? DEFAULT_MAX_BYTES;
  if (!Number.isInteger(maxRows) || maxRows < 1 || maxRows > 10_000) {
    throw new Error(`${source}: options.maxRows must be an integer from 1 to 10000 (got ${maxRows})`);
  }
  if (!Number.isInteger(maxBytes) || maxBytes < 1024 || maxBytes > 10 * 1024 * 1024) {
    throw new Error(`${source}: options.maxBytes must be an integer from 1024 to 10485760 (got ${maxBytes})`);
  }
  return { maxRows, maxBytes };
}

export function checkName(kind: string, name: string): void {
  if (typeof name !== 'string' || name.trim() === '')
    throw new Error(`${kind}: name must be a non-empty string`);
}

function errorText(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return `error: ${message.trim() || 'the statement failed'}`;
}

export function sqlTools(name: string, backend: SqlBackend, limits: SqlLimits): ResearchTool[] {
  const { maxRows, maxBytes } = checkLimits(name, limits);
  const dialectName = backend.dialect === 'sqlite' ? 'SQLite' : 'PostgreSQL';

  const describe = defineTool({
    name: 'describe_database',
    description:
      `Describe ${backend.label}: its tables and views, columns with types, primary and foreign keys, and row ` +
      'counts. Call this before writing queries with query_database.',
    parameters: describeParameters,
    async run(_args, ctx): Promise<ToolResult> {
      let schema: SchemaInfo;
      try {
        schema = await backend.describe(ctx);
      } catch (error) {
        if (error instanceof SqlStatementError) return { output: errorText(error), sources: [] };
        throw error;
      }
      const source = {
        url: `${name}#schema`,
        title: `${name}: database schema`,
        kind: 'database' as const,
        excerpt: schemaExcerpt(schema),
      };
      const sources: ToolSource[] = [source];
      return { output: formatSchema(backend.label, schema, DESCRIBE_MAX_BYTES), sources };
    },
  });

  const query = defineTool({
    name: 'query_database',
    description:
      `Run exactly one read-only ${dialectName} statement against ${backend.label} and get the rows back as a ` +
      `Markdown table (at most ${maxRows} rows and ${Math.round(maxBytes / 1024)} KB). Aggregate in SQL ` +
      '(GROUP BY, COUNT, SUM, AVG) rather than reading raw rows. The database refuses writes; errors come back ' +
      'as text starting with "error:" so you can fix the query.',
    parameters: queryParameters,
    summaryArgument: 'purpose',
    async run(args, ctx): Promise<ToolResult> {
      const statements = splitStatements(args.sql, backend.dialect);
      const statement = statements[0];
      if (!statement) return { output: 'error: the SQL holds no statement', sources: [] };
      if (statements.length > 1) {
        return {
          output: `error: send exactly one statement per call (found ${statements.length}); run them one at a time`,
          sources: [],
        };
      }
      const refused = refusal(statement, backend.dialect);
      if (refused) return { output: `error: ${refused}`, sources: [] };
      let result: QueryRows;
      try {
        result = await backend.query(statement, { maxRows, maxBytes }, ctx);
      } catch (error) {
        if (error instanceof SqlStatementError) return { output: errorText(error), sources: [] };
        throw error;
      }
      const { text, shown } = formatRows(result, maxBytes);
      const source = {
        url: `${name}#query-${sqlHash(statement.text)}`,
        title: queryTitle(name, statement.text, args.purpose),
        kind: 'database' as const,
        excerpt: rowsExcerpt(result, shown),
      };
      const sources: ToolSource[] = [source];
      return { output: text, sources };
    },
  });

  return [describe, query] as ResearchTool[];
}
