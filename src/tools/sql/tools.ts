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
  /** Runs one statement read-only; at most `maxRows` rows back. Throws SqlStatementError for the model. */
  query(statement: SqlStatement, maxRows: number, ctx: ToolContext): Promise<QueryRows>;
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

/** Statements that only steer transactions or sessions: useless here (each query is its own read-only transaction). */
const REFUSED_VERBS: Record<SqlDialect, Set<string>> = {
  sqlite: new Set(['BEGIN', 'COMMIT', 'END', 'ROLLBACK', 'SAVEPOINT', 'RELEASE', 'ATTACH', 'DETACH']),
  postgres: new Set([
    'BEGIN',
    'START',
    'COMMIT',
    'END',
    'ROLLBACK',
    'ABORT',
    'SAVEPOINT',
    'RELEASE',
    'PREPARE',
    'SET',
    'RESET',
    'DISCARD',
    'DECLARE',
    'FETCH',
    'MOVE',
    'CLOSE',
    'COPY',
    'LISTEN',
    'UNLISTEN',
    'NOTIFY',
  ]),
};

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
      const verb = mainVerb(statement);
      if (REFUSED_VERBS[backend.dialect].has(verb)) {
        return {
          output:
            `error: ${verb} is not allowed: each call runs one statement in its own read-only transaction; ` +
            'send a query (SELECT, WITH, VALUES, EXPLAIN, ...)',
          sources: [],
        };
      }
      let result: QueryRows;
      try {
        result = await backend.query(statement, maxRows, ctx);
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
