import {
  Client,
  DatabaseError,
  Pool,
  type CustomTypesConfig,
  type PoolClient,
  type QueryArrayConfig,
} from 'pg';
import Cursor from 'pg-cursor';
import type { Duplex } from 'node:stream';
import type { ResearchSource, ToolContext } from '../types';
import {
  cellBytes,
  COUNT_CAP,
  DESCRIBE_MAX_TABLES,
  maskConnectionString,
  MAX_CELL_CHARS,
  MAX_COLUMNS,
  scrubSecrets,
  shorten,
  type Cell,
  type QueryRows,
  type SchemaColumn,
  type SchemaInfo,
  type SchemaTable,
} from './format';
import type { SqlStatement } from './statements';
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
  /**
   * Accept a role that is a superuser, has REPLICATION, or is a member of pg_execute_server_program,
   * pg_write_server_files, pg_read_server_files or pg_signal_backend (default false: such a connection is
   * refused). Statements stay limited to queries either way; this only accepts the larger risk.
   */
  allowPrivilegedRole?: boolean;
}

const DEFAULT_TIMEOUT_MS = 15_000;
const POOL_SIZE = 4;
/** Rows fetched per round trip through the cursor; the byte cap is checked between batches. */
const BATCH_ROWS = 20;
/**
 * No single message from the server may be larger: a result row is at most MAX_COLUMNS cells of
 * MAX_CELL_CHARS + 1 characters (~200 KB), so only an oversized error, notice, EXPLAIN line or SHOW value
 * (e.g. `SELECT repeat('x', 1e8)::int`, whose error quotes the value) can pass it, and its connection is
 * closed before the message is buffered.
 */
export const MAX_MESSAGE_BYTES = 1024 * 1024;
/** All messages of one call together, whatever they are. */
export const MAX_CALL_BYTES = 32 * 1024 * 1024;
/** Roles whose members can reach the server's files, programs or other sessions. */
const PRIVILEGED_ROLES = [
  'pg_execute_server_program',
  'pg_write_server_files',
  'pg_read_server_files',
  'pg_signal_backend',
];

/** Values as PostgreSQL writes them (dates stay dates, numerics keep their digits). */
const rawText: CustomTypesConfig = {
  getTypeParser: (() => (value: string) => value) as unknown as CustomTypesConfig['getTypeParser'],
};

/**
 * A PostgreSQL database as a research source: describe_database and query_database.
 *
 * Only queries run (tools.ts refuses everything else, and wrapping a query as `(…)` makes PostgreSQL's
 * own parser refuse what is not one). Every call runs in its own `BEGIN TRANSACTION READ ONLY` with a
 * local `statement_timeout`, ends with ROLLBACK and `DISCARD ALL` (advisory locks, prepared statements,
 * settings, temp tables: nothing outlives the call on a pooled connection). A query is wrapped so the
 * server cuts every cell to MAX_CELL_CHARS + 1 characters and stops after maxRows + 1 rows, and rows are
 * read through a cursor until the byte cap; a guard on the connection closes it when one message or one
 * call's messages grow past their caps. Each new connection's role is checked: a superuser, a replication
 * role or a member of a role that reaches server files, programs or other sessions is refused unless
 * `allowPrivilegedRole` is set.
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
  const allowPrivilegedRole = options.allowPrivilegedRole ?? false;
  if (typeof allowPrivilegedRole !== 'boolean') {
    throw new Error(`${label}: options.allowPrivilegedRole must be true or false`);
  }
  const database = new PostgresDatabase(label, connectionString, timeoutMs, allowPrivilegedRole);
  const backend: SqlBackend = {
    dialect: 'postgres',
    label: `PostgreSQL database "${name}"`,
    describe: (ctx) => database.describe(ctx),
    query: (statement, limits, ctx) => database.query(statement, limits, ctx),
  };
  return {
    name,
    kind: 'database',
    tools: sqlTools(name, backend, options),
    // Opening connects once, so a refused role or an unreachable server is reported when the source opens.
    init: () => database.check(),
    close: () => database.close(),
  };
}

/** The connection was closed by the guard: the server's answer was too large. Shown to the model. */
class OversizedAnswer extends Error {
  override name = 'OversizedAnswer';
}

/**
 * Counts the bytes of the server's messages as they arrive, before pg buffers a message whole, and destroys
 * the stream when one message or the call's total passes its cap. It watches the message framing (a type
 * byte and a 4-byte length that counts itself) on the stream pg parses, which is the TLS stream under SSL.
 */
class MessageGuard {
  private header = Buffer.alloc(5);
  private headerBytes = 0;
  private bodyLeft = 0;
  callBytes = 0;

  constructor(private readonly stream: Duplex) {
    stream.prependListener('data', (chunk: Buffer) => this.onData(chunk));
  }

  private onData(chunk: Buffer): void {
    this.callBytes += chunk.length;
    if (this.callBytes > MAX_CALL_BYTES) {
      return this.fail(`the server's answer to one call passed ${MAX_CALL_BYTES} bytes`);
    }
    let at = 0;
    while (at < chunk.length) {
      if (this.bodyLeft > 0) {
        const take = Math.min(this.bodyLeft, chunk.length - at);
        this.bodyLeft -= take;
        at += take;
        continue;
      }
      const take = Math.min(5 - this.headerBytes, chunk.length - at);
      chunk.copy(this.header, this.headerBytes, at, at + take);
      this.headerBytes += take;
      at += take;
      if (this.headerBytes < 5) break;
      this.headerBytes = 0;
      const length = this.header.readUInt32BE(1);
      if (length + 1 > MAX_MESSAGE_BYTES) {
        return this.fail(
          `one message from the server was ${length + 1} bytes (at most ${MAX_MESSAGE_BYTES})`,
        );
      }
      this.bodyLeft = length - 4;
    }
  }

  private fail(reason: string): void {
    if (!this.stream.destroyed) this.stream.destroy(new OversizedAnswer(reason));
  }
}

/** pg's Client with a MessageGuard on the stream its connection parses. */
class GuardedClient extends Client {
  guard: MessageGuard | undefined;

  constructor(config: ConstructorParameters<typeof Client>[0]) {
    super(config);
    // pg has no hook for this: wrap the connection's own attachListeners, called with the stream (plain or
    // TLS) right before pg starts parsing it.
    const connection = (this as unknown as { connection: { attachListeners(stream: Duplex): void } })
      .connection;
    const attach = connection.attachListeners.bind(connection);
    connection.attachListeners = (stream: Duplex) => {
      this.guard = new MessageGuard(stream);
      attach(stream);
    };
  }
}

interface Session {
  client: PoolClient & GuardedClient;
  /** Set when the call ended the connection (guard, deadline, cancel): the error to report. */
  ended?: Error;
}

const checkedClients = new WeakSet<object>();

class PostgresDatabase {
  private pool: Pool | undefined;

  constructor(
    private readonly label: string,
    private readonly connectionString: string,
    private readonly timeoutMs: number,
    private readonly allowPrivilegedRole: boolean,
  ) {}

  async close(): Promise<void> {
    const pool = this.pool;
    this.pool = undefined;
    await pool?.end();
  }

  /** Connects once (checking the role) and gives the connection back. */
  async check(): Promise<void> {
    const client = await this.connect();
    client.release();
  }

  async query(
    statement: SqlStatement,
    limits: { maxRows: number; maxBytes: number },
    ctx: ToolContext,
  ): Promise<QueryRows> {
    return this.readOnly(ctx, async (session) => {
      const { client } = session;
      if (statement.first === 'SHOW' || statement.first === 'EXPLAIN') {
        // Neither can be a subquery; their rows are few and short, and the guard bounds any long one.
        return readCursor(client, statement.text, null, limits);
      }
      // The columns first, without running the query (LIMIT 0 never pulls a row), so the query can be
      // wrapped with each column renamed and cut by the server.
      const probe = await client.query(
        extended(`SELECT * FROM (\n${statement.text}\n) AS deep_research_query LIMIT 0`),
      );
      const names = probe.fields.map((field) => field.name);
      if (names.length === 0) return { columns: [], rows: [], more: false };
      const aliases = names.map((_, i) => `deep_research_c${i + 1}`);
      const shown = aliases
        .slice(0, MAX_COLUMNS)
        .map((alias) => `left(${alias}::text, ${MAX_CELL_CHARS + 1})`);
      const wrapped =
        `SELECT ${shown.join(', ')} FROM (\n${statement.text}\n) AS deep_research_query(${aliases.join(', ')}) ` +
        `LIMIT ${limits.maxRows + 1}`;
      const result = await readCursor(client, wrapped, names.slice(0, MAX_COLUMNS), limits);
      if (names.length > MAX_COLUMNS) {
        result.columns.push(`(${names.length - MAX_COLUMNS} more columns not shown)`);
        for (const row of result.rows) row.push(null);
      }
      return result;
    });
  }

  async describe(ctx: ToolContext): Promise<SchemaInfo> {
    return this.readOnly(ctx, async ({ client }) => {
      const relations = await client.query<{
        oid: string;
        name: string;
        relkind: string;
        estimate: string;
        comment: string | null;
      }>(
        `SELECT c.oid::text AS oid, c.oid::regclass::text AS name, c.relkind::text AS relkind,
                c.reltuples::bigint::text AS estimate, left(obj_description(c.oid, 'pg_class'), 301) AS comment
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
        `SELECT a.attrelid::text AS relid, a.attname AS name, left(format_type(a.atttypid, a.atttypmod), 200) AS type,
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
                (SELECT left(string_agg(quote_ident(a.attname), ', ' ORDER BY k.i), 1000)
                   FROM unnest(con.conkey) WITH ORDINALITY k(n, i)
                   JOIN pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = k.n) AS cols,
                con.confrelid::regclass::text AS ref_table,
                (SELECT left(string_agg(quote_ident(a.attname), ', ' ORDER BY k.i), 1000)
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
   * Runs `work` on a pooled connection inside a READ ONLY transaction with the statement timeout, then
   * rolls back and discards the session's state. A cancelled research or a call that outlives the timeout
   * by more than a grace period closes the connection (the server notices through
   * client_connection_check_interval and stops). The database's errors become SqlStatementError (shown to
   * the model); a failed connection throws.
   */
  private async readOnly<T>(ctx: ToolContext, work: (session: Session) => Promise<T>): Promise<T> {
    if (ctx.signal.aborted) throw abortReason(ctx.signal);
    const client = (await this.connect()) as PoolClient & GuardedClient;
    const session: Session = { client };
    const end = (error: Error): void => {
      session.ended ??= error;
      const stream = (client as unknown as { connection: { stream: Duplex } }).connection.stream;
      stream.destroy(error);
    };
    const onError = (error: Error): void => {
      session.ended ??= error;
    };
    client.on('error', onError);
    const onAbort = (): void => end(abortReason(ctx.signal));
    ctx.signal.addEventListener('abort', onAbort, { once: true });
    const deadline = setTimeout(() => end(new SqlStatementError(this.timeoutText())), this.timeoutMs + 2_000);
    if (client.guard) client.guard.callBytes = 0;
    let broken: Error | undefined;
    try {
      await client.query('BEGIN TRANSACTION READ ONLY');
      await client.query(`SET LOCAL statement_timeout = ${this.timeoutMs}`);
      // PostgreSQL 14+: a backend whose client went away stops its statement within a second.
      await client.query(
        "SELECT set_config(name, '1000', true) FROM pg_settings WHERE name = 'client_connection_check_interval'",
      );
      return await work(session);
    } catch (error) {
      const ended = session.ended;
      if (ended) {
        broken = ended;
        if (ended instanceof OversizedAnswer)
          throw new SqlStatementError(
            `${ended.message}; the connection was closed. Select less: cut long values in SQL ` +
              '(left(column, 200)), or avoid EXPLAIN VERBOSE of queries with large constants',
          );
        if (ended instanceof SqlStatementError) throw ended;
        throw ended;
      }
      if (error instanceof DatabaseError) {
        if (error.code === '57014' && /statement timeout/.test(error.message))
          throw new SqlStatementError(this.timeoutText());
        throw new SqlStatementError(this.scrub(databaseMessage(error)));
      }
      broken = error instanceof Error ? error : new Error(String(error));
      // No `cause`: the original error may carry the connection string (e.g. an invalid URL's `input`).
      // eslint-disable-next-line preserve-caught-error
      throw new Error(`${this.label}: ${this.scrub(describeError(error))}`);
    } finally {
      clearTimeout(deadline);
      ctx.signal.removeEventListener('abort', onAbort);
      if (!broken) {
        try {
          await client.query('ROLLBACK');
          // Session state a call could leave: advisory locks, prepared statements, cursors, settings, temp
          // tables, LISTEN. The next call on this connection starts from a new session's state.
          await client.query('DISCARD ALL');
        } catch (error) {
          broken = error instanceof Error ? error : new Error(String(error));
        }
      }
      client.off('error', onError);
      client.release(broken ?? false);
    }
  }

  private timeoutText(): string {
    return (
      `the statement did not finish within ${this.timeoutMs} ms and was stopped; ` +
      'narrow it (WHERE, LIMIT) or aggregate'
    );
  }

  private async connect(): Promise<PoolClient> {
    if (!this.pool) {
      this.pool = new Pool({
        connectionString: this.connectionString,
        max: POOL_SIZE,
        idleTimeoutMillis: 10_000,
        connectionTimeoutMillis: 10_000,
        // No query_timeout: pg never clears its timer for a cursor (it would hold the process for that long).
        // A stalled network ends at readOnly()'s deadline, which closes the connection.
        allowExitOnIdle: true,
        application_name: 'deep-research',
        Client: GuardedClient as unknown as new () => Client,
      });
      // An idle connection the server drops must not crash the worker; the pool replaces it.
      this.pool.on('error', () => undefined);
    }
    let client: PoolClient;
    try {
      client = await this.pool.connect();
    } catch (error) {
      // No `cause`: the original error may carry the connection string (e.g. an invalid URL's `input`).
      // eslint-disable-next-line preserve-caught-error
      throw new Error(
        `${this.label}: cannot connect with options.connectionString ` +
          `(${maskConnectionString(this.connectionString)}): ${this.scrub(describeError(error))}`,
      );
    }
    if (!checkedClients.has(client)) {
      try {
        await this.checkRole(client);
        checkedClients.add(client);
      } catch (error) {
        client.release(true);
        throw error;
      }
    }
    return client;
  }

  /** Refuses a role that can reach the server's files, programs, replication or other sessions. */
  private async checkRole(client: PoolClient): Promise<void> {
    if (this.allowPrivilegedRole) return;
    let role: { name: string; superuser: boolean; replication: boolean; memberships: string[] } | undefined;
    try {
      const result = await client.query<{
        name: string;
        superuser: boolean;
        replication: boolean;
        memberships: string[];
      }>(
        `SELECT left(r.rolname, 100) AS name, r.rolsuper AS superuser, r.rolreplication AS replication,
                ARRAY(SELECT g.rolname::text FROM pg_roles g
                       WHERE g.rolname = ANY ($1::text[]) AND pg_has_role(r.oid, g.oid, 'MEMBER')
                       ORDER BY g.rolname) AS memberships
           FROM pg_roles r WHERE r.rolname = current_user`,
        [PRIVILEGED_ROLES],
      );
      role = result.rows[0];
    } catch (error) {
      // eslint-disable-next-line preserve-caught-error
      throw new Error(
        `${this.label}: cannot check the role options.connectionString logs in as: ${this.scrub(describeError(error))}`,
      );
    }
    if (!role) throw new Error(`${this.label}: cannot find the role options.connectionString logs in as`);
    const powers = [
      ...(role.superuser ? ['is a superuser'] : []),
      ...(role.replication ? ['has REPLICATION'] : []),
      ...(role.superuser ? [] : role.memberships.map((m) => `is a member of ${m}`)),
    ];
    if (powers.length === 0) return;
    throw new Error(
      `${this.label}: refused to use the role "${role.name}" that options.connectionString logs in as: it ` +
        `${powers.join(', ')}, so a query could reach the server's files, programs, replication or other ` +
        'sessions. Connect as a read-only role (README, "Private data and custom tools", has the SQL to ' +
        'create one), or set "allowPrivilegedRole": true on the source to accept the risk.',
    );
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

function abortReason(signal: AbortSignal): Error {
  return signal.reason instanceof Error ? signal.reason : new Error('aborted');
}

/**
 * Reads a statement through a cursor (a portal read BATCH_ROWS rows at a time), cutting each cell as it
 * arrives and stopping after maxRows + 1 rows or once the cells passed maxBytes.
 */
async function readCursor(
  client: PoolClient,
  text: string,
  names: string[] | null,
  limits: { maxRows: number; maxBytes: number },
): Promise<QueryRows> {
  const cursor = client.query(new Cursor<unknown[]>(text, [], { rowMode: 'array', types: rawText }));
  const rows: Cell[][] = [];
  let bytes = 0;
  let more = false;
  let columns: string[] = names ?? [];
  for (;;) {
    const want = Math.min(BATCH_ROWS, limits.maxRows + 1 - rows.length);
    // A failed read leaves the cursor to pg (it already asked the server to sync, or the connection is
    // gone): closing it then would wait for an answer that never comes.
    const { rows: batch, fields } = await readBatch(cursor, want);
    if (!names && fields.length > 0) columns = fields.slice(0, MAX_COLUMNS).map((field) => field.name);
    for (const raw of batch) {
      if (rows.length >= limits.maxRows || bytes > limits.maxBytes) {
        more = true;
        break;
      }
      const row = columns.map((_, i): Cell => {
        const value = raw[i];
        if (value === null || value === undefined) return null;
        return shorten(String(value), MAX_CELL_CHARS + 1);
      });
      for (const cell of row) bytes += cellBytes(cell);
      rows.push(row);
    }
    if (more || batch.length < want) break;
    if (bytes > limits.maxBytes || rows.length >= limits.maxRows) {
      // One more row says whether there is more.
      more = (await readBatch(cursor, 1)).rows.length > 0;
      break;
    }
  }
  await cursor.close();
  return { columns, rows, more };
}

function readBatch(
  cursor: Cursor<unknown[]>,
  count: number,
): Promise<{ rows: unknown[][]; fields: { name: string }[] }> {
  return new Promise((resolve, reject) => {
    cursor.read(count, (error, rows, result) => {
      if (error) reject(error);
      else resolve({ rows, fields: result?.fields ?? [] });
    });
  });
}
