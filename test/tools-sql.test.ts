import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { maskConnectionString, postgresSource, sqliteSource } from '../src/tools/sql';
import { splitStatements } from '../src/tools/sql/statements';
import type { ResearchSource, ToolResult } from '../src/tools/types';
import { startPostgres, type TestPostgres } from './helpers/postgres';

/**
 * The SQL sources against real databases: SQLite on examples/example.db and PostgreSQL on a throwaway
 * server loaded with examples/example.sql. Read-only is checked by trying to write and seeing the database
 * refuse (and the file stay the same), not by trusting the prompt.
 */

const EXAMPLE_DB = path.join(__dirname, '..', 'examples', 'example.db');
const EXAMPLE_SQL = path.join(__dirname, '..', 'examples', 'example.sql');
const ctx = () => ({ signal: new AbortController().signal });

const REVENUE_2025 = `
  SELECT product_line, ROUND(SUM(net_amount)) AS revenue
    FROM order_lines
   WHERE order_date >= '2025-01-01' AND status <> 'cancelled'
   GROUP BY product_line
   ORDER BY revenue DESC`;

function tool(source: ResearchSource, name: string) {
  const found = source.tools.find((t) => t.name === name);
  if (!found) throw new Error(`no tool ${name}`);
  return found;
}

async function describe_(source: ResearchSource): Promise<ToolResult> {
  return tool(source, 'describe_database').run({}, ctx());
}

async function query(source: ResearchSource, sql: string, purpose?: string): Promise<ToolResult> {
  return tool(source, 'query_database').run(purpose ? { sql, purpose } : { sql }, ctx());
}

/** Markdown table body rows (not the header or its separator). */
function tableRows(output: string): string[] {
  const lines = output.split('\n').filter((l) => l.startsWith('| '));
  return lines.slice(2);
}

function fingerprint(file: string): { sha: string; mtimeMs: number; size: number; siblings: string[] } {
  const stat = statSync(file);
  return {
    sha: createHash('sha256').update(readFileSync(file)).digest('hex'),
    mtimeMs: stat.mtimeMs,
    size: stat.size,
    siblings: readdirSync(path.dirname(file)).filter((f) => f.startsWith(path.basename(file))),
  };
}

describe('sqliteSource on examples/example.db', () => {
  let source: ResearchSource;
  beforeAll(() => {
    source = sqliteSource('db:northwind', { path: EXAMPLE_DB });
  });
  afterAll(async () => {
    await source.close?.();
  });

  test('is a database source with describe_database and query_database', () => {
    expect(source.kind).toBe('database');
    expect(source.tools.map((t) => t.name)).toEqual(['describe_database', 'query_database']);
    expect(tool(source, 'query_database').summaryArgument).toBe('purpose');
    expect(tool(source, 'describe_database').parameters.safeParse({}).success).toBe(true);
    expect(tool(source, 'query_database').parameters.safeParse({ sql: '' }).success).toBe(false);
    expect(tool(source, 'query_database').parameters.safeParse({ sql: 'x'.repeat(4001) }).success).toBe(
      false,
    );
  });

  test('describe_database lists tables, columns with types, keys and row counts', async () => {
    const result = await describe_(source);
    expect(result.output).toContain('5 tables, 1 view');
    for (const table of ['customers', 'products', 'orders', 'order_items', 'support_tickets']) {
      expect(result.output).toContain(`## ${table} (`);
    }
    expect(result.output).toContain('## customers (24 rows)');
    expect(result.output).toContain('## order_lines (view)');
    expect(result.output).toContain('- customer_id INTEGER PRIMARY KEY');
    expect(result.output).toContain('- order_id INTEGER NOT NULL REFERENCES orders(order_id)');
    expect(result.output).toContain('- list_price NUMERIC(10, 2) NOT NULL');
    expect(result.sources).toEqual([
      {
        url: 'db:northwind#schema',
        title: 'db:northwind: database schema',
        kind: 'database',
        excerpt: expect.stringContaining('customers (customer_id, name'),
      },
    ]);
    expect(result.sources[0]?.excerpt?.length).toBeLessThanOrEqual(500);
  });

  test('a SELECT returns its rows as a Markdown table, cited as one source with an excerpt', async () => {
    const result = await query(source, REVENUE_2025, 'Revenue by product line in 2025');
    expect(result.output).toMatch(/^6 rows:/);
    const rows = tableRows(result.output);
    expect(rows).toHaveLength(6);
    expect(rows[0]).toBe('| Collaborative Arm | 1203770 |');
    expect(result.sources).toHaveLength(1);
    const [cited] = result.sources;
    expect(cited?.url).toMatch(/^db:northwind#query-[0-9a-f]{8}$/);
    expect(cited?.title).toBe('db:northwind: Revenue by product line in 2025');
    expect(cited?.kind).toBe('database');
    expect(cited?.excerpt).toContain('product_line=Collaborative Arm, revenue=1203770');
    expect(cited?.excerpt?.length).toBeLessThanOrEqual(500);

    // The same query (whitespace aside) is the same source; without a purpose the SQL titles it.
    const again = await query(source, REVENUE_2025.replace(/\s+/g, ' '));
    expect(again.sources[0]?.url).toBe(cited?.url);
    expect(again.sources[0]?.title).toBe(
      `db:northwind: ${REVENUE_2025.replace(/\s+/g, ' ').trim().slice(0, 79)}…`,
    );
  });

  test('NULLs, text with pipes and empty results are shown faithfully', async () => {
    const nulls = await query(
      source,
      "SELECT ticket_id, closed_on, 'a|b' AS piped FROM support_tickets WHERE closed_on IS NULL ORDER BY ticket_id LIMIT 2",
    );
    expect(tableRows(nulls.output)).toEqual(['| 25 | NULL | a\\|b |', '| 31 | NULL | a\\|b |']);
    const none = await query(source, "SELECT name FROM customers WHERE region = 'Antarctica'");
    expect(none.output).toBe('No rows. Columns: name.');
  });

  test('maxRows and maxBytes bound the output with a note saying so', async () => {
    const small = sqliteSource('db:small', { path: EXAMPLE_DB, maxRows: 5, maxBytes: 1024 });
    try {
      const five = await query(small, 'SELECT order_id, order_date FROM orders ORDER BY order_id');
      expect(five.output).toMatch(/^First 5 rows \(the query returned more\):/);
      expect(tableRows(five.output)).toHaveLength(5);
      expect(five.output).toContain('Only the first 5 rows are shown.');
      expect(five.sources[0]?.excerpt).toMatch(/\(5 rows or more\)$/);

      const wide = await query(
        small,
        "SELECT ticket_id, description || ' ' || description AS text FROM support_tickets ORDER BY ticket_id",
      );
      expect(Buffer.byteLength(wide.output)).toBeLessThanOrEqual(1024);
      // Reading stops once the cells passed maxBytes, so fewer rows than maxRows are even fetched.
      expect(wide.output).toMatch(/Output cut at 1024 bytes: \d of \d\+ rows shown/);
    } finally {
      await small.close?.();
    }
  });

  test('writes return the database error as text and leave the file untouched', async () => {
    const before = fingerprint(EXAMPLE_DB);
    const target = path.join(path.dirname(EXAMPLE_DB), 'copy-of-example.db');
    const writes = [
      "INSERT INTO customers (name, industry, region, country, segment, customer_since) VALUES ('X', 'Y', 'EMEA', 'Z', 'smb', '2025-01-01')",
      'UPDATE products SET list_price = 1 WHERE product_id = 6',
      'DELETE FROM support_tickets',
      'DROP TABLE orders',
      'CREATE TABLE notes (id INTEGER)',
      "REPLACE INTO products (product_id, sku, name, product_line, launched_on, list_price) VALUES (1, 'a', 'b', 'c', '2025-01-01', 1)",
      'PRAGMA journal_mode = WAL',
      `VACUUM INTO '${target}'`,
    ];
    for (const sql of writes) {
      const result = await query(source, sql);
      expect({ sql, output: result.output }).toEqual({ sql, output: expect.stringMatching(/^error: /) });
      expect(result.sources).toEqual([]);
    }
    expect((await query(source, 'DROP TABLE orders')).output).toMatch(/^error: DROP is not allowed/);
    // A PRAGMA passes the first check; the authorizer refuses setting it.
    expect((await query(source, 'PRAGMA journal_mode = WAL')).output).toMatch(
      /^error: .*PRAGMA journal_mode is not allowed on a research source/,
    );
    expect(existsSync(target)).toBe(false);
    expect(fingerprint(EXAMPLE_DB)).toEqual(before);
    expect((await query(source, 'SELECT count(*) AS n FROM support_tickets')).output).toContain('| 36 |');
  });

  test('two statements are refused, whatever hides the second; one statement with a ; in a string is not', async () => {
    for (const sql of [
      'SELECT 1; SELECT 2',
      'SELECT 1; DELETE FROM orders',
      "SELECT ';'; DROP TABLE orders -- '",
      'SELECT 1 /* ; */; ATTACH DATABASE ":memory:" AS m',
    ]) {
      expect((await query(source, sql)).output).toMatch(
        /^error: send exactly one statement per call \(found 2\)/,
      );
    }
    const one = await query(source, 'SELECT \';\' AS semi, "a;b" FROM (SELECT 1 AS "a;b"); -- done;\n');
    expect(tableRows(one.output)).toEqual(['| ; | 1 |']);
    expect((await query(source, '  -- nothing\n ; ')).output).toBe('error: the SQL holds no statement');
    expect((await query(source, 'BEGIN')).output).toMatch(/^error: BEGIN is not allowed/);
  });

  test('a statement that outlives statementTimeoutMs is stopped and reported; the next one runs', async () => {
    const slow = sqliteSource('db:slow', { path: EXAMPLE_DB, statementTimeoutMs: 300 });
    try {
      const started = Date.now();
      const result = await query(
        slow,
        'WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT count(*) FROM c',
      );
      expect(result.output).toMatch(/^error: the statement did not finish within 300 ms/);
      expect(Date.now() - started).toBeLessThan(5_000);
      expect((await query(slow, 'SELECT count(*) FROM products')).output).toContain('| 13 |');

      // Cancelling the research stops the statement too.
      const controller = new AbortController();
      setTimeout(() => controller.abort(new Error('research cancelled')), 100);
      const forever = tool(slow, 'query_database').run(
        { sql: 'WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT max(x) FROM c' },
        { signal: controller.signal },
      );
      await expect(forever).rejects.toThrow('research cancelled');
      expect((await query(slow, 'SELECT count(*) FROM products')).output).toContain('| 13 |');
    } finally {
      await slow.close?.();
    }
  });

  test('a script that queries and never closes the source still exits (the idle child keeps nothing alive)', () => {
    const script = `
      const { sqliteSource } = require(${JSON.stringify(path.join(__dirname, '..', 'src', 'tools', 'sql'))});
      const source = sqliteSource('db:x', { path: ${JSON.stringify(EXAMPLE_DB)} });
      const query = source.tools.find((t) => t.name === 'query_database');
      query.run({ sql: 'SELECT count(*) AS n FROM orders' }, { signal: new AbortController().signal })
        .then((r) => console.log(r.output));`;
    const tsx = path.join(__dirname, '..', 'node_modules', '.bin', 'tsx');
    const result = spawnSync(tsx, ['-e', script], { encoding: 'utf8', timeout: 60_000 });
    expect({ status: result.status, signal: result.signal, stderr: result.stderr }).toEqual({
      status: 0,
      signal: null,
      stderr: '',
    });
    expect(result.stdout).toContain('| 40 |');
  });

  test('bad configuration throws, naming the setting', () => {
    expect(() => sqliteSource('db:x', { path: path.join(__dirname, 'no-such.db') })).toThrow(
      /sqliteSource "db:x": options\.path: no such file/,
    );
    expect(() => sqliteSource('db:x', { path: EXAMPLE_SQL })).toThrow(
      /options\.path: cannot read .* as a SQLite/,
    );
    expect(() => sqliteSource('db:x', { path: EXAMPLE_DB, maxRows: 0 })).toThrow(/options\.maxRows/);
  });
});

describe('splitStatements', () => {
  test('skips strings, identifiers, comments and dollar quotes', () => {
    expect(splitStatements("SELECT 'a;b'; ", 'sqlite')).toHaveLength(1);
    expect(splitStatements('SELECT $$;$$, $tag$ ; $tag$ ; SELECT 2', 'postgres')).toHaveLength(2);
    expect(splitStatements("SELECT E'it\\'s;' AS x", 'postgres')).toHaveLength(1);
    expect(splitStatements('SELECT /* /* ; */ ; */ 1', 'postgres')).toHaveLength(1);
    expect(splitStatements('SELECT [a;b] FROM t', 'sqlite')).toHaveLength(1);
    const [cte] = splitStatements('WITH d AS (DELETE FROM t RETURNING *) SELECT * FROM d', 'postgres');
    expect(cte?.words).toEqual(['WITH', 'D', 'AS', 'SELECT', 'FROM', 'D']);
    expect(cte?.allWords.has('DELETE')).toBe(true);
  });
});

describe('maskConnectionString', () => {
  test('masks URL passwords and password settings', () => {
    expect(maskConnectionString('postgresql://app:s3cr%40t@db.internal:5432/sales?sslmode=require')).toBe(
      'postgresql://app:***@db.internal:5432/sales?sslmode=require',
    );
    expect(maskConnectionString('postgres://app@db/sales')).toBe('postgres://app@db/sales');
    expect(maskConnectionString('host=db user=app password=hunter22 dbname=sales')).toBe(
      'host=db user=app password=*** dbname=sales',
    );
    expect(maskConnectionString('postgres://db/sales?password=hunter22&sslmode=require')).toBe(
      'postgres://db/sales?password=***&sslmode=require',
    );
  });
});

describe('postgresSource on a real PostgreSQL server', () => {
  let pg: TestPostgres;
  let url: string;
  let source: ResearchSource;

  beforeAll(async () => {
    pg = await startPostgres();
    url = await pg.createDatabase('northwind', readFileSync(EXAMPLE_SQL, 'utf8'));
    // A second, non-public schema: described too, by its qualified name.
    await pg.query(
      `CREATE SCHEMA ops;
       CREATE TABLE ops.shipments (
         shipment_id integer PRIMARY KEY,
         order_id integer NOT NULL REFERENCES public.orders (order_id),
         shipped_on date NOT NULL,
         carrier text NOT NULL);
       INSERT INTO ops.shipments VALUES (1, 34, '2025-10-06', 'Kuehne+Nagel'), (2, 35, '2025-10-24', 'DHL');`,
      'northwind',
    );
    // The read-only role README tells operators to create (the superuser is refused: see test/security).
    url = await pg.createReadOnlyRole('northwind');
    await pg.query(
      'GRANT USAGE ON SCHEMA ops TO deep_research; GRANT SELECT ON ALL TABLES IN SCHEMA ops TO deep_research',
      'northwind',
    );
    source = postgresSource('db:northwind', { connectionString: url });
  });
  afterAll(async () => {
    await source?.close?.();
    await pg?.stop();
  });

  test('describe_database lists the tables with columns, types, keys and row counts', async () => {
    const result = await describe_(source);
    expect(result.output).toMatch(/^PostgreSQL database "db:northwind": 6 tables, 1 view\./);
    expect(result.output).toContain('## customers (24 rows)');
    expect(result.output).toContain('## support_tickets (36 rows)');
    expect(result.output).toContain('## order_lines (view)');
    expect(result.output).toContain('- customer_id integer PRIMARY KEY');
    expect(result.output).toContain('- customer_id integer NOT NULL REFERENCES customers(customer_id)');
    expect(result.output).toContain('- list_price numeric(10,2) NOT NULL');
    expect(result.output).toContain('- order_date date NOT NULL');
    expect(result.output).toContain('## ops.shipments (2 rows)');
    expect(result.output).toContain('- order_id integer NOT NULL REFERENCES orders(order_id)');
    expect(result.sources[0]).toMatchObject({ url: 'db:northwind#schema', kind: 'database' });
  });

  test('a SELECT returns rows (dates and numerics as PostgreSQL writes them)', async () => {
    const result = await query(source, REVENUE_2025, 'Revenue by product line in 2025');
    const rows = tableRows(result.output);
    expect(rows).toHaveLength(6);
    expect(rows[0]).toBe('| Collaborative Arm | 1203770 |');
    expect(result.sources[0]?.url).toMatch(/^db:northwind#query-[0-9a-f]{8}$/);
    expect(result.sources[0]?.excerpt).toContain('product_line=Collaborative Arm');

    const c7 = await query(
      source,
      "SELECT name, launched_on, list_price, retired_on IS NULL AS active FROM products WHERE sku = 'NW-ARM-C7'",
    );
    expect(tableRows(c7.output)).toEqual(['| Cobalt C7 | 2025-02-03 | 46500.00 | true |']);
  });

  test('a huge result is read through a cursor: maxRows rows and a note', async () => {
    const started = Date.now();
    const result = await query(source, 'SELECT g AS n FROM generate_series(1, 5000000) g');
    expect(tableRows(result.output)).toHaveLength(50);
    expect(result.output).toContain('Only the first 50 rows are shown.');
    expect(Date.now() - started).toBeLessThan(3_000);
  });

  test('writes are refused by the read-only transaction, with the database error as text', async () => {
    const insert = await query(
      source,
      "INSERT INTO customers (customer_id, name, industry, region, country, segment, customer_since) VALUES (99, 'X', 'Y', 'EMEA', 'Z', 'smb', '2025-01-01')",
    );
    expect(insert).toEqual({
      output: expect.stringMatching(/^error: INSERT is not allowed: only queries are accepted/),
      sources: [],
    });
    expect((await query(source, 'DROP TABLE orders')).output).toMatch(/^error: DROP is not allowed/);
    // A data-modifying WITH passes the first check, and PostgreSQL's parser refuses it inside the wrapper.
    expect(
      (await query(source, 'WITH gone AS (DELETE FROM orders RETURNING *) SELECT count(*) FROM gone')).output,
    ).toBe('error: WITH clause containing a data-modifying statement must be at the top level');
    // What only the database can tell: a function that writes, a row lock.
    expect((await query(source, "SELECT nextval('orders_order_id_seq')")).output).toMatch(/^error: /);
    expect((await query(source, 'SELECT * FROM orders FOR UPDATE')).output).toBe(
      'error: cannot execute SELECT FOR UPDATE in a read-only transaction',
    );
    expect((await query(source, 'COMMIT')).output).toMatch(/^error: COMMIT is not allowed/);
    expect((await query(source, 'SELECT 1; UPDATE products SET list_price = 1')).output).toMatch(
      /^error: send exactly one statement/,
    );
    const [counts] = await pg.query<{ customers: string; orders: string }>(
      'SELECT (SELECT count(*) FROM customers)::text AS customers, (SELECT count(*) FROM orders)::text AS orders',
      'northwind',
    );
    expect(counts).toEqual({ customers: '24', orders: '40' });
  });

  test('SQL errors come back as text with the hint', async () => {
    const result = await query(source, 'SELECT nme FROM customers');
    expect(result.output).toMatch(/^error: column "nme" does not exist; hint: Perhaps you meant/);
  });

  test('statement_timeout stops a slow statement; the error is output and the connection is reused', async () => {
    const fast = postgresSource('db:fast', { connectionString: url, statementTimeoutMs: 200 });
    try {
      const started = Date.now();
      const result = await query(fast, 'SELECT pg_sleep(5)');
      expect(result.output).toBe(
        'error: the statement did not finish within 200 ms and was stopped; narrow it (WHERE, LIMIT) or aggregate',
      );
      expect(Date.now() - started).toBeLessThan(2_000);
      const after = await query(fast, 'SELECT count(*) AS n FROM orders');
      expect(tableRows(after.output)).toEqual(['| 40 |']);
    } finally {
      await fast.close?.();
    }
  });

  test('a password never appears in errors: bad database and unreachable server', async () => {
    const password = 'S3cret-Pa55word';
    const missing = postgresSource('db:missing', { connectionString: pg.url('no_such_db', password) });
    const error = await describe_(missing).then(
      () => undefined,
      (e: Error) => e,
    );
    await missing.close?.();
    expect(error?.message).toMatch(
      /postgresSource "db:missing": cannot connect with options\.connectionString/,
    );
    expect(error?.message).toContain(`postgresql://postgres:***@127.0.0.1:${pg.port}/no_such_db`);
    expect(error?.message).toContain('database "no_such_db" does not exist');
    expect(error?.message).not.toContain(password);

    const unreachable = postgresSource('db:down', {
      connectionString: `postgresql://reader:${password}@127.0.0.1:1/sales`,
    });
    const down = await query(unreachable, 'SELECT 1').then(
      () => undefined,
      (e: Error) => e,
    );
    await unreachable.close?.();
    expect(down?.message).toMatch(
      /cannot connect with options\.connectionString \(postgresql:\/\/reader:\*\*\*@/,
    );
    expect(down?.message).toContain('ECONNREFUSED');
    expect(down?.message).not.toContain(password);

    expect(() => postgresSource('db:x', { connectionString: '' })).toThrow(
      /options\.connectionString is required/,
    );
  });
});
