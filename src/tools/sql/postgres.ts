import { DatabaseError, Pool, type CustomTypesConfig, type PoolClient, type QueryArrayConfig } from 'pg';
import type { ResearchSource, ToolContext } from '../types';
import {
  COUNT_CAP,
  DESCRIBE_MAX_TABLES,
  maskConnectionString,
  scrubSecrets,
  type Cell,
  type QueryRows,
  type SchemaColumn,
  type SchemaInfo,
  type SchemaTable,
} from './format';
import { mainVerb, type SqlStatement } from './statements';
import { checkName, SqlStatementError, sqlTools, type SqlBackend } from './tools';

export interface PostgresSourceOptions {
  /** `postgresql://user:password@host:5432/db?sslmode=require`; the password never appears in output or errors. */
  connectionString: string;
  /** Rows shown per query (default 50). */
  maxRows?: number;
  /** Bytes of output per query (default 16 KB). */
  maxBytes?: number;
  /** PostgreSQL's statement_timeout for every statement (default 15 s). */
  statementTimeoutMs?: number;
}

const DEFAULT_TIMEOUT_MS = 15_000;
const POOL_SIZE = 4;
const CURSOR = 'deep_research_rows';

/** Values as PostgreSQL writes them (dates stay dates, numerics keep their digits); booleans as true/false. */
const rawText: CustomTypesConfig = {
  getTypeParser: (() => (value: string) => value) as unknown as CustomTypesConfig['getTypeParser'],
};
const BOOL_OID = 16;

/** Statements that can run behind a cursor, so only the rows shown are fetched from the server. */
const CURSOR_VERBS = new Set(['SELECT', 'VALUES', 'TABLE']);
/** A cursor refuses these inside WITH with an error of its own; run directly, the read-only transaction answers. */
const WRITE_WORDS = ['INSERT', 'UPDATE', 'DELETE', 'MERGE'];

function cursorFits(statement: SqlStatement): boolean {
  return CURSOR_VERBS.has(mainVerb(statement)) && !WRITE_WORDS.some((word) => statement.allWords.has(word));
}

/**
 * A PostgreSQL database as a research source: describe_database and query_database.
 *
 * Read-only is the server's doing: every call runs in its own `BEGIN TRANSACTION READ ONLY` with a local
 * `statement_timeout`, and ends with ROLLBACK; statements go through the extended protocol, which takes one
 * statement only. Queries (SELECT, WITH ... SELECT, VALUES, TABLE) are read through a cursor, so a huge
 * result costs maxRows + 1 rows. For defence in depth, connect as a role that can only read what research
 * may see (a read-only transaction still lets superuser-only functions such as pg_read_file run).
 */
export function postgresSource(name: string, options: PostgresSourceOptions): ResearchSource {
  checkName('postgresSource', name);
  const label = `postgresSource "${name}"`;
  const connectionString = options?.connectionString;
  if (typeof connectionString !== 'string' || connectionString.trim() === '') {
    throw new Error(`${label}: options.connectionString is required`);
  }
  const timeoutMs = options.statementTimeoutMs ?? DEFAULT_TIMEOUT_MS;
  if (!Number.isInteger(timeoutMs) || timeoutMs < 1 || timeoutMs > 3_600_000) {
    throw new Error(
      `${label}: options.statementTimeoutMs must be an integer from 1 to 3600000 (got ${timeoutMs})`,
    );
  }
  const database = new PostgresDatabase(label, connectionString, timeoutMs);
  const backend: SqlBackend = {
    dialect: 'postgres',
    label: `PostgreSQL database "${name}"`,
    describe: (ctx) => database.describe(ctx),
    query: (statement, maxRows, ctx) => database.query(statement, maxRows, ctx),
  };
  return { name, kind: 'database', tools: sqlTools(name, backend, options), close: () => database.close() };
}

class PostgresDatabase {
  private pool: Pool | undefined;

  constructor(
    private readonly label: string,
    private readonly connectionString: string,
    private readonly timeoutMs: number,
  ) {}

  async close(): Promise<void> {
    const pool = this.pool;
    this.pool = undefined;
    await pool?.end();
  }

  async query(statement: SqlStatement, maxRows: number, ctx: ToolContext): Promise<QueryRows> {
    return this.readOnly(ctx, async (client) => {
      if (cursorFits(statement)) {
        await client.query(extended(`DECLARE ${CURSOR} NO SCROLL CURSOR FOR ${statement.text}`));
        const fetched = await client.query(extended(`FETCH FORWARD ${maxRows + 1} FROM ${CURSOR}`));
        return toRows(fetched, maxRows);
      }
      return toRows(await client.query(extended(statement.text)), maxRows);
    });
  }

  async describe(ctx: ToolContext): Promise<SchemaInfo> {
    return this.readOnly(ctx, async (client) => {
      const relations = await client.query<{
        oid: string;
        name: string;
        relkind: string;
        estimate: string;
        comment: string | null;
      }>(
        `SELECT c.oid::text AS oid, c.oid::regclass::text AS name, c.relkind::text AS relkind,
                c.reltuples::bigint::text AS estimate, obj_description(c.oid, 'pg_class') AS comment
           FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
          WHERE c.relkind IN ('r', 'p', 'v', 'm', 'f') AND NOT c.relispartition
            AND n.nspname NOT IN ('pg_catalog', 'information_schema')
            AND n.nspname NOT LIKE 'pg\\_toast%' AND n.nspname NOT LIKE 'pg\\_temp\\_%'
          ORDER BY n.nspname <> 'public', n.nspname, c.relkind IN ('v', 'm'), c.relname
          LIMIT ${DESCRIBE_MAX_TABLES + 1}`,
      );
      const listed = relations.rows.slice(0, DESCRIBE_MAX_TABLES);
      const oids = listed.map((r) => r.oid);
      const columns = await client.query<{ relid: string; name: string; type: string; notnull: boolean }>(
        `SELECT a.attrelid::text AS relid, a.attname AS name, format_type(a.atttypid, a.atttypmod) AS type,
                a.attnotnull AS notnull
           FROM pg_attribute a
          WHERE a.attrelid = ANY ($1::oid[]) AND a.attnum > 0 AND NOT a.attisdropped
          ORDER BY a.attrelid, a.attnum`,
        [oids],
      );
      const constraints = await client.query<{
        relid: string;
        contype: string;
        ncols: number;
        col: string | null;
        cols: string | null;
        ref_table: string;
        ref_cols: string | null;
      }>(
        `SELECT con.conrelid::text AS relid, con.contype::text AS contype,
                cardinality(con.conkey) AS ncols,
                (SELECT a.attname FROM pg_attribute a
                  WHERE a.attrelid = con.conrelid AND a.attnum = con.conkey[1]) AS col,
                (SELECT string_agg(quote_ident(a.attname), ', ' ORDER BY k.i)
                   FROM unnest(con.conkey) WITH ORDINALITY k(n, i)
                   JOIN pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = k.n) AS cols,
                con.confrelid::regclass::text AS ref_table,
                (SELECT string_agg(quote_ident(a.attname), ', ' ORDER BY k.i)
                   FROM unnest(con.confkey) WITH ORDINALITY k(n, i)
                   JOIN pg_attribute a ON a.attrelid = con.confrelid AND a.attnum = k.n) AS ref_cols
           FROM pg_constraint con
          WHERE con.contype IN ('p', 'f') AND con.conrelid = ANY ($1::oid[])
          ORDER BY con.conrelid, con.contype DESC, con.conname`,
        [oids],
      );
      const tables: SchemaTable[] = [];
      for (const relation of listed) {
        const tableColumns: SchemaColumn[] = columns.rows
          .filter((c) => c.relid === relation.oid)
          .map((c) => ({ name: c.name, type: c.type, notNull: c.notnull, primaryKey: false }));
        const notes: string[] = [];
        for (const con of constraints.rows.filter((c) => c.relid === relation.oid)) {
          const column = con.ncols === 1 ? tableColumns.find((c) => c.name === con.col) : undefined;
          if (con.contype === 'p') {
            if (column) column.primaryKey = true;
            else notes.push(`PRIMARY KEY (${con.cols ?? ''})`);
          } else if (column) {
            column.references = `${con.ref_table}(${con.ref_cols ?? ''})`;
          } else {
            notes.push(`FOREIGN KEY (${con.cols ?? ''}) REFERENCES ${con.ref_table}(${con.ref_cols ?? ''})`);
          }
        }
        const estimate = Number(relation.estimate);
        const table: SchemaTable = {
          name: relation.name,
          kind: KINDS[relation.relkind] ?? 'table',
          columns: tableColumns,
          constraints: notes,
          ...(estimate >= 0 && relation.relkind !== 'v' ? { estimate } : {}),
          ...(relation.comment ? { comment: relation.comment } : {}),
        };
        if (['r', 'p', 'm'].includes(relation.relkind)) {
          // A table this role cannot read keeps its estimate instead of failing the whole description.
          await client.query('SAVEPOINT deep_research_count');
          try {
            const counted = await client.query<{ n: string }>(
              `SELECT count(*)::text AS n FROM (SELECT 1 FROM ${relation.name} LIMIT ${COUNT_CAP + 1}) s`,
            );
            const n = Number(counted.rows[0]?.n ?? 0);
            table.rows = { count: Math.min(n, COUNT_CAP), capped: n > COUNT_CAP };
            await client.query('RELEASE SAVEPOINT deep_research_count');
          } catch (error) {
            if (!(error instanceof DatabaseError)) throw error;
            await client.query('ROLLBACK TO SAVEPOINT deep_research_count');
          }
        }
        tables.push(table);
      }
      const omitted =
        relations.rows.length > DESCRIBE_MAX_TABLES
          ? [`(more than ${DESCRIBE_MAX_TABLES} tables and views: query information_schema.tables)`]
          : [];
      return { tables, omitted };
    });
  }

  /**
   * Runs `work` on a pooled connection inside a READ ONLY transaction with the statement timeout, then rolls
   * back. The database's errors become SqlStatementError (shown to the model); a failed connection throws.
   */
  private async readOnly<T>(ctx: ToolContext, work: (client: PoolClient) => Promise<T>): Promise<T> {
    if (ctx.signal.aborted)
      throw ctx.signal.reason instanceof Error ? ctx.signal.reason : new Error('aborted');
    const client = await this.connect();
    let broken: Error | undefined;
    try {
      await client.query('BEGIN TRANSACTION READ ONLY');
      await client.query(`SET LOCAL statement_timeout = ${this.timeoutMs}`);
      return await work(client);
    } catch (error) {
      if (error instanceof DatabaseError) throw new SqlStatementError(this.scrub(databaseMessage(error)));
      broken = error instanceof Error ? error : new Error(String(error));
      // No `cause`: the original error may carry the connection string (e.g. an invalid URL's `input`).
      // eslint-disable-next-line preserve-caught-error
      throw new Error(`${this.label}: ${this.scrub(describeError(error))}`);
    } finally {
      if (!broken) {
        try {
          await client.query('ROLLBACK');
        } catch (error) {
          broken = error instanceof Error ? error : new Error(String(error));
        }
      }
      client.release(broken ?? false);
    }
  }

  private async connect(): Promise<PoolClient> {
    if (!this.pool) {
      this.pool = new Pool({
        connectionString: this.connectionString,
        max: POOL_SIZE,
        idleTimeoutMillis: 10_000,
        connectionTimeoutMillis: 10_000,
        // A stalled network, not a slow statement (statement_timeout handles those), ends here.
        query_timeout: this.timeoutMs + 10_000,
        allowExitOnIdle: true,
        application_name: 'deep-research',
      });
      // An idle connection the server drops must not crash the worker; the pool replaces it.
      this.pool.on('error', () => undefined);
    }
    try {
      return await this.pool.connect();
    } catch (error) {
      // No `cause`: the original error may carry the connection string (e.g. an invalid URL's `input`).
      // eslint-disable-next-line preserve-caught-error
      throw new Error(
        `${this.label}: cannot connect with options.connectionString ` +
          `(${maskConnectionString(this.connectionString)}): ${this.scrub(describeError(error))}`,
      );
    }
  }

  private scrub(text: string): string {
    return scrubSecrets(text, this.connectionString);
  }
}

const KINDS: Record<string, SchemaTable['kind']> = {
  r: 'table',
  p: 'partitioned table',
  v: 'view',
  m: 'materialized view',
  f: 'foreign table',
};

function extended(text: string): QueryArrayConfig {
  // The extended protocol refuses a second statement outright, whatever the text looks like.
  const config: QueryArrayConfig & { queryMode: 'extended' } = {
    text,
    rowMode: 'array',
    types: rawText,
    queryMode: 'extended',
  };
  return config;
}

function toRows(
  result: { fields?: { name: string; dataTypeID: number }[]; rows?: unknown[][] },
  maxRows: number,
): QueryRows {
  const fields = result.fields ?? [];
  const rows = (result.rows ?? []).slice(0, maxRows).map((row) =>
    fields.map((field, i): Cell => {
      const value = row[i];
      if (value === null || value === undefined) return null;
      if (field.dataTypeID === BOOL_OID)
        return value === 't' ? 'true' : value === 'f' ? 'false' : String(value);
      return String(value);
    }),
  );
  return { columns: fields.map((f) => f.name), rows, more: (result.rows?.length ?? 0) > maxRows };
}

function databaseMessage(error: DatabaseError): string {
  const parts = [error.message];
  if (error.detail) parts.push(`detail: ${error.detail}`);
  if (error.hint) parts.push(`hint: ${error.hint}`);
  return parts.join('; ');
}

function describeError(error: unknown): string {
  if (error instanceof AggregateError && error.errors.length > 0) {
    return error.errors.map(describeError).join('; ');
  }
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    return error.message || (typeof code === 'string' ? code : error.name);
  }
  return String(error);
}
