import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client } from 'pg';
import { postgresSource, sqliteSource } from '../../src/tools/sql';
import type { ResearchSource, ToolResult } from '../../src/tools/types';
import { startPostgres, type TestPostgres } from '../helpers/postgres';
import { MAX_LOOP_BLOCK_MS, MAX_RSS_GROWTH, startLoopProbe } from '../helpers/loop-probe';

/**
 * Hostile probes against the SQL sources, the way a misbehaving model would send them: each query through
 * the tool as a function call runs it, checked for a clear refusal or a bounded answer while the event
 * loop's delay and the process's RSS are watched, and then for anything that outlived the call (locks,
 * sessions, slots, temp objects, files). The table of probes with outcome, time and peak RSS is printed at
 * the end.
 */

const EXAMPLE_DB = path.join(__dirname, '..', '..', 'examples', 'example.db');
const EXAMPLE_SQL = path.join(__dirname, '..', '..', 'examples', 'example.sql');
const MAX_BYTES = 16 * 1024;

interface Measured {
  result?: ToolResult;
  error?: Error;
  ms: number;
  /** Longest event-loop delay (wall clock): includes time the machine did not schedule this process. */
  lagMs: number;
  /** Longest time the main thread was busy (its own CPU time) within one event-loop delay: blocking. */
  blockedMs: number;
  rssGrowth: number;
  /** Bytes the test process's children (the SQLite child) wrote with write(2) during the call. */
  childWrites: number;
}

/** wchar of each child process of this process (Linux /proc). */
function childWchar(): Map<number, number> {
  const found = new Map<number, number>();
  try {
    for (const task of readdirSync('/proc/self/task')) {
      const children = readFileSync(`/proc/self/task/${task}/children`, 'utf8').trim();
      for (const pid of children ? children.split(/\s+/).map(Number) : []) {
        try {
          const wchar = /wchar:\s*(\d+)/.exec(readFileSync(`/proc/${pid}/io`, 'utf8'))?.[1];
          if (wchar) found.set(pid, Number(wchar));
        } catch {
          // exited meanwhile
        }
      }
    }
  } catch {
    // no /proc
  }
  return found;
}

interface Row {
  database: string;
  probe: string;
  outcome: string;
  ms: number;
  lagMs: number;
  blockedMs: number;
  peakRssMiB: number;
}
const table: Row[] = [];

/** Runs one call under the shared loop probe (test/helpers/loop-probe.ts), also sampling child writes. */
async function measure(call: () => Promise<ToolResult>): Promise<Measured> {
  const firstWrites = childWchar();
  const lastWrites = new Map(firstWrites);
  const sampleWrites = () => {
    for (const [pid, wchar] of childWchar()) {
      if (!firstWrites.has(pid)) firstWrites.set(pid, 0);
      lastWrites.set(pid, wchar);
    }
  };
  const loop = startLoopProbe({ intervalMs: 5, onTick: sampleWrites });
  let result: ToolResult | undefined;
  let error: Error | undefined;
  try {
    result = await call();
  } catch (e) {
    error = e as Error;
  }
  const reading = loop.stop();
  let childWrites = 0;
  for (const [pid, wchar] of lastWrites) childWrites += wchar - (firstWrites.get(pid) ?? 0);
  return {
    blockedMs: reading.blockedMs,
    ...(result ? { result } : {}),
    ...(error ? { error } : {}),
    ms: reading.ms,
    lagMs: reading.lagMs,
    rssGrowth: reading.rssGrowth,
    childWrites,
  };
}

function tool(source: ResearchSource, name: string) {
  const found = source.tools.find((t) => t.name === name);
  if (!found) throw new Error(`no tool ${name}`);
  return found;
}

type Expect = { refused: RegExp } | { bounded: (output: string) => void } | { thrown: RegExp };

/** One probe: the call is measured, its outcome checked, and it goes in the table. */
async function probe(
  database: string,
  source: ResearchSource,
  name: string,
  sql: string,
  expected: Expect,
  signal?: AbortSignal,
): Promise<Measured> {
  const query = tool(source, 'query_database');
  const args = query.parameters.parse({ sql });
  const measured = await measure(() => query.run(args, { signal: signal ?? new AbortController().signal }));
  const output = measured.result?.output ?? `thrown: ${measured.error?.message}`;
  const outcome =
    'refused' in expected
      ? `refused: ${output.replace(/^error: /, '')}`
      : 'thrown' in expected
        ? output
        : `bounded: ${Buffer.byteLength(output)} bytes, ${output.split('\n')[0]}`;
  table.push({
    database,
    probe: name,
    outcome: outcome.length > 110 ? `${outcome.slice(0, 109)}…` : outcome,
    ms: Math.round(measured.ms),
    lagMs: Math.round(measured.lagMs),
    blockedMs: Math.round(measured.blockedMs),
    peakRssMiB: Math.round((measured.rssGrowth / 1024 / 1024) * 10) / 10,
  });
  if ('thrown' in expected) {
    expect(measured.error?.message).toMatch(expected.thrown);
  } else {
    if (measured.error) throw measured.error;
    const text = measured.result?.output ?? '';
    expect(Buffer.byteLength(text)).toBeLessThanOrEqual(MAX_BYTES);
    if ('refused' in expected) {
      expect({ name, output: text }).toEqual({ name, output: expect.stringMatching(expected.refused) });
      expect(measured.result?.sources).toEqual([]);
    } else {
      expect({ name, output: text }).toEqual({ name, output: expect.not.stringMatching(/^error: /) });
      expected.bounded(text);
    }
  }
  // Blocking is the main thread's own work within one delay; a delay alone may be the busy machine not
  // scheduling this process (both are in the table).
  expect({ name, blockedMs: measured.blockedMs }).toEqual({ name, blockedMs: expect.any(Number) });
  expect(measured.blockedMs).toBeLessThan(MAX_LOOP_BLOCK_MS);
  expect(measured.rssGrowth).toBeLessThan(MAX_RSS_GROWTH);
  // No temporary files: what a child writes is its answers over IPC.
  expect({ name, childWrites: measured.childWrites }).toEqual({ name, childWrites: expect.any(Number) });
  expect(measured.childWrites).toBeLessThan(4 * 1024 * 1024);
  return measured;
}

/** Table body cells of the first data row. */
function firstRow(output: string): string[] {
  const line = output.split('\n').filter((l) => l.startsWith('| '))[2] ?? '';
  return line
    .slice(2, -2)
    .split(' | ')
    .map((c) => c.trim());
}

const cutCell = (output: string, column = 0) => {
  const cell = firstRow(output)[column] ?? '';
  expect(Array.from(cell).length).toBeLessThanOrEqual(500);
  expect(cell.endsWith('…')).toBe(true);
};

async function waitFor<T>(what: string, check: () => Promise<T | undefined>, timeoutMs = 20_000): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

afterAll(() => {
  const lines = [
    '| database | probe | outcome | time ms | max event-loop delay ms | max main-thread busy in one delay ms | peak RSS growth MiB |',
    '| --- | --- | --- | --- | --- | --- | --- |',
    ...table.map(
      (r) =>
        `| ${r.database} | ${r.probe.replace(/\|/g, '\\|')} | ${r.outcome.replace(/\|/g, '\\|').replace(/\n/g, ' ')} | ${r.ms} | ${r.lagMs} | ${r.blockedMs} | ${r.peakRssMiB} |`,
    ),
  ];
  process.stdout.write(`\nSQL probe table\n${lines.join('\n')}\n`);
});

describe('PostgreSQL under hostile queries', () => {
  let pg: TestPostgres;
  let superuserUrl: string;
  let readerUrl: string;
  let reader: ResearchSource;
  let fast: ResearchSource;
  let victim: Client;
  const copyTarget = path.join(os.tmpdir(), `dr-copy-probe-${process.pid}.txt`);

  beforeAll(async () => {
    pg = await startPostgres();
    superuserUrl = await pg.createDatabase('northwind', readFileSync(EXAMPLE_SQL, 'utf8'));
    readerUrl = await pg.createReadOnlyRole('northwind');
    // Views an operator might have written, whose functions keep session state: the per-call DISCARD ALL
    // must undo them even though no query the model sends can name those functions.
    await pg.query(
      `CREATE VIEW lock_holder AS SELECT pg_advisory_lock(4242) IS NOT NULL AS locked;
       CREATE VIEW path_setter AS SELECT set_config('search_path', 'pg_temp', false) AS path;
       GRANT SELECT ON lock_holder, path_setter TO deep_research;`,
      'northwind',
    );
    // A long statement timeout: the probes of huge values make the server work for seconds.
    reader = postgresSource('db:reader', { connectionString: readerUrl, statementTimeoutMs: 60_000 });
    fast = postgresSource('db:fast', { connectionString: readerUrl, statementTimeoutMs: 1_000 });
    // Another application's session of the same role: nothing a probe does may end it.
    victim = new Client({ connectionString: readerUrl, application_name: 'victim-app' });
    await victim.connect();
  });

  afterAll(async () => {
    await reader?.close?.();
    await fast?.close?.();
    await victim?.end().catch(() => undefined);
    rmSync(copyTarget, { force: true });
    await pg?.stop();
  });

  /** What could outlive a call, seen from the superuser: none may be left. */
  async function leftovers(): Promise<Record<string, number>> {
    const [row] = await pg.query<Record<string, string>>(
      `SELECT (SELECT count(*) FROM pg_locks WHERE locktype = 'advisory')::text AS advisory_locks,
              (SELECT count(*) FROM pg_replication_slots)::text AS replication_slots,
              (SELECT count(*) FROM pg_class WHERE relpersistence = 't')::text AS temp_relations,
              (SELECT count(*) FROM pg_stat_activity
                WHERE application_name = 'deep-research' AND state IS DISTINCT FROM 'idle')::text AS busy_sessions,
              (SELECT count(*) FROM pg_stat_activity WHERE application_name = 'victim-app')::text AS victim_sessions`,
      'northwind',
    );
    return Object.fromEntries(Object.entries(row ?? {}).map(([k, v]) => [k, Number(v)]));
  }

  const clean = {
    advisory_locks: 0,
    replication_slots: 0,
    temp_relations: 0,
    busy_sessions: 0,
    victim_sessions: 1,
  };

  async function expectClean(): Promise<void> {
    // A connection the guard closed may still be finishing its statement on the server: wait for it.
    const state = await waitFor('the server to forget the call', async () => {
      const now = await leftovers();
      return JSON.stringify(now) === JSON.stringify(clean) ? now : undefined;
    }).catch(async () => leftovers());
    expect(state).toEqual(clean);
    expect(existsSync(copyTarget)).toBe(false);
    expect((await victim.query('SELECT 1 AS alive')).rows).toEqual([{ alive: 1 }]);
  }

  const bigCells = (output: string) => {
    expect(output).toMatch(/^1 row:/);
    for (const column of [0, 1, 2, 3]) cutCell(output, column);
  };
  const fiftyRows = (output: string) =>
    expect(output).toMatch(/^First \d+ rows \(the query returned more\)|Output cut at/);

  test.each<[string, string, Expect]>([
    [
      'four 100 MB cells',
      "SELECT repeat('x',100000000) a, repeat('x',100000000) b, repeat('x',100000000) c, repeat('x',100000000) d",
      { bounded: bigCells },
    ],
    ['one 200 MB cell', "SELECT repeat('y', 200000000) AS big", { bounded: (o) => cutCell(o) }],
    [
      'a 200 MB aggregate',
      "SELECT string_agg(repeat('z', 1000), ',') AS joined FROM generate_series(1, 200000)",
      { bounded: (o) => cutCell(o) },
    ],
    [
      'multibyte cells (4-byte characters)',
      "SELECT repeat(U&'\\+01F600', 30000000) AS smiles",
      { bounded: (o) => cutCell(o) },
    ],
    [
      'an alias named insert over a huge result',
      "SELECT g AS insert, repeat('x', 1000000) AS pad FROM generate_series(1, 100000) g",
      { bounded: fiftyRows },
    ],
    [
      'a parenthesised query over a huge result',
      "(SELECT repeat('x', 1000000) AS pad FROM generate_series(1, 100000))",
      { bounded: fiftyRows },
    ],
    [
      'a UNION of parenthesised queries',
      "(SELECT repeat('x', 1000000) AS a FROM generate_series(1, 50000)) UNION ALL (SELECT 'b')",
      { bounded: fiftyRows },
    ],
    [
      'a WITH over a huge result',
      "WITH t AS (SELECT repeat('x', 1000000) AS pad FROM generate_series(1, 100000)) SELECT * FROM t",
      { bounded: fiftyRows },
    ],
    [
      '1100 columns',
      'SELECT * FROM pg_class a, pg_class b, pg_class c, pg_class d, pg_class e, pg_class f, pg_class g, pg_class h, pg_class i, pg_class j, pg_class k, pg_class l, pg_class m, pg_class n, pg_class o, pg_class p, pg_class q, pg_class r, pg_class s, pg_class t, pg_class u, pg_class v, pg_class w, pg_class x, pg_class y, pg_class z, pg_class aa, pg_class bb, pg_class cc, pg_class dd, pg_class ee, pg_class ff, pg_class gg LIMIT 3',
      { bounded: (o) => expect(o).toContain('more columns not shown') },
    ],
    [
      'an error quoting a 100 MB value',
      "SELECT repeat('x', 100000000)::int",
      {
        refused:
          /^error: one message from the server was \d+ bytes \(at most 1048576\); the connection was closed/,
      },
    ],
    [
      'EXPLAIN VERBOSE of a folded 50 MB constant',
      "EXPLAIN VERBOSE SELECT repeat('x', 50000000) AS c",
      { refused: /^error: one message from the server was \d+ bytes/ },
    ],
    ['SHOW ALL', 'SHOW ALL', { bounded: (o) => expect(o).toMatch(/^First 50 rows|Output cut at/) }],
    [
      'EXPLAIN ANALYZE of a query',
      'EXPLAIN ANALYZE SELECT count(*) FROM orders',
      { bounded: (o) => expect(o).toContain('Aggregate') },
    ],
    ['EXECUTE of a prepared statement', 'EXECUTE leftover(1)', { refused: /^error: EXECUTE is not allowed/ }],
    ['PREPARE', 'PREPARE p AS SELECT 1', { refused: /^error: PREPARE is not allowed/ }],
    ['SET', 'SET statement_timeout = 0', { refused: /^error: SET is not allowed/ }],
    ['LISTEN', 'LISTEN probe', { refused: /^error: LISTEN is not allowed/ }],
    ['BEGIN', 'BEGIN', { refused: /^error: BEGIN is not allowed/ }],
    ['CALL', 'CALL some_procedure()', { refused: /^error: CALL is not allowed/ }],
    [
      'DO running COPY TO PROGRAM',
      "DO $$ BEGIN EXECUTE 'COPY (SELECT 1) TO PROGRAM ''id'''; END $$",
      { refused: /^error: DO is not allowed/ },
    ],
    ['COPY TO a file', `COPY (SELECT 1) TO '${copyTarget}'`, { refused: /^error: COPY is not allowed/ }],
    [
      'pg_terminate_backend of another application',
      "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'victim-app'",
      { refused: /^error: pg_terminate_backend is not allowed/ },
    ],
    [
      'quoted, qualified pg_cancel_backend',
      `SELECT pg_catalog."pg_cancel_backend"(pid) FROM pg_stat_activity WHERE application_name = 'victim-app'`,
      { refused: /^error: pg_cancel_backend is not allowed/ },
    ],
    [
      'a Unicode-escaped function name',
      `SELECT U&"\\0070g_terminate_backend"(pid) FROM pg_stat_activity WHERE application_name = 'victim-app'`,
      { refused: /^error: the statement is not accepted: Unicode-escaped identifiers/ },
    ],
    [
      'pg_advisory_lock',
      'SELECT pg_advisory_lock(42)',
      { refused: /^error: pg_advisory_lock is not allowed/ },
    ],
    [
      'pg_try_advisory_lock in attribute notation',
      'SELECT x.pg_try_advisory_lock FROM (SELECT 42::bigint) x',
      { refused: /^error: pg_try_advisory_lock is not allowed/ },
    ],
    [
      'an advisory lock hidden in query_to_xml',
      "SELECT query_to_xml('SELECT pg_advisory_lock(7)', true, true, '')",
      { refused: /^error: (query_to_xml|pg_advisory_lock) is not allowed/ },
    ],
    [
      'set_config for the session',
      "SELECT set_config('statement_timeout', '0', false)",
      { refused: /^error: set_config is not allowed/ },
    ],
    [
      'a replication slot',
      "SELECT pg_create_logical_replication_slot('probe_slot', 'test_decoding')",
      { refused: /^error: pg_create_logical_replication_slot is not allowed/ },
    ],
    [
      'pg_read_file',
      "SELECT pg_read_file('/etc/passwd')",
      { refused: /^error: pg_read_file is not allowed/ },
    ],
    ['pg_notify', "SELECT pg_notify('c', 'x')", { refused: /^error: pg_notify is not allowed/ }],
    [
      'a data-modifying WITH',
      'WITH gone AS (DELETE FROM orders RETURNING *) SELECT count(*) FROM gone',
      { refused: /^error: WITH clause containing a data-modifying statement must be at the top level/ },
    ],
    [
      'SELECT INTO a new table',
      'SELECT * INTO stolen FROM orders',
      { refused: /^error: SELECT \.\.\. INTO is not allowed here/ },
    ],
    [
      'SELECT FOR UPDATE',
      'SELECT * FROM orders FOR UPDATE',
      { refused: /^error: cannot execute SELECT FOR UPDATE in a read-only transaction/ },
    ],
    [
      'escaping the wrapper with a parenthesis',
      'SELECT 1) AS t, (SELECT 2',
      { refused: /^error: the statement is not accepted: a parenthesis closes that was never opened/ },
    ],
    [
      'an unterminated comment swallowing the wrapper',
      'SELECT 1 /* ',
      { refused: /^error: the statement is not accepted: a \/\* comment is never closed/ },
    ],

    [
      'a view that takes an advisory lock (operator-defined)',
      'SELECT * FROM lock_holder',
      { bounded: (o) => expect(firstRow(o)).toEqual(['true']) },
    ],
    [
      'a view that sets search_path for the session (operator-defined)',
      'SELECT * FROM path_setter',
      { bounded: (o) => expect(firstRow(o)).toEqual(['pg_temp']) },
    ],
  ])('%s', async (name, sql, expected) => {
    await probe('postgres (ordinary role)', reader, name, sql, expected);
    await expectClean();
  });

  test('a sleep past the statement timeout is stopped', async () => {
    await probe(
      'postgres (ordinary role)',
      fast,
      'a sleep past the statement timeout (1 s)',
      'SELECT pg_sleep(60)',
      {
        refused: /^error: the statement did not finish within 1000 ms and was stopped/,
      },
    );
    await expectClean();
  });

  test('after every probe the pooled sessions are as new', async () => {
    const query = tool(reader, 'query_database');
    const signal = new AbortController().signal;
    // Every pooled connection (4) answers once: none keeps a setting, a prepared statement or a cursor.
    const answers = await Promise.all(
      [1, 2, 3, 4].map(() =>
        query.run(
          {
            sql: `SELECT current_setting('search_path') AS search_path, current_setting('statement_timeout') AS timeout,
                         (SELECT count(*) FROM pg_prepared_statements) AS prepared,
                         (SELECT count(*) FROM pg_cursors WHERE is_holdable) AS held_cursors`,
          },
          { signal },
        ),
      ),
    );
    for (const answer of answers)
      expect(firstRow(answer.output)).toEqual(['"$user", public', '1min', '0', '0']);
    await expectClean();
  });

  test('a cancelled research stops its statement on the server at once', async () => {
    const controller = new AbortController();
    const running = probe(
      'postgres (ordinary role)',
      reader,
      'cancelled during pg_sleep(60)',
      'SELECT pg_sleep(60)',
      { thrown: /research cancelled/ },
      controller.signal,
    );
    await waitFor('the statement to run', async () => {
      const rows = await pg.query(
        "SELECT 1 FROM pg_stat_activity WHERE application_name = 'deep-research' AND query LIKE '%pg_sleep(60)%' AND state = 'active'",
      );
      return rows.length > 0 ? true : undefined;
    });
    controller.abort(new Error('research cancelled'));
    const measured = await running;
    expect(measured.ms).toBeLessThan(30_000);
    await expectClean();
  });

  test('a superuser connection is refused when the source opens, naming the source and the option', async () => {
    const source = postgresSource('db:superuser', { connectionString: superuserUrl });
    try {
      await expect(source.init?.()).rejects.toThrow(
        /^postgresSource "db:superuser": refused to use the role "postgres" that options\.connectionString logs in as: it is a superuser.*"allowPrivilegedRole": true/,
      );
      await probe('postgres (superuser, no opt-in)', source, 'any query', 'SELECT 1', {
        thrown: /refused to use the role "postgres"/,
      });
    } finally {
      await source.close?.();
    }
    // A role that can run server programs is refused the same way.
    await pg.query(
      'CREATE ROLE program_runner LOGIN; GRANT pg_execute_server_program TO program_runner; GRANT CONNECT ON DATABASE northwind TO program_runner',
    );
    const runner = postgresSource('db:runner', {
      connectionString: pg.url('northwind', undefined, 'program_runner'),
    });
    try {
      await expect(runner.init?.()).rejects.toThrow(/it is a member of pg_execute_server_program/);
    } finally {
      await runner.close?.();
    }
  });

  describe('a superuser with allowPrivilegedRole still only runs queries', () => {
    let superuser: ResearchSource;
    beforeAll(async () => {
      superuser = postgresSource('db:superuser', {
        connectionString: superuserUrl,
        allowPrivilegedRole: true,
        statementTimeoutMs: 60_000,
      });
      await superuser.init?.();
    });
    afterAll(async () => {
      await superuser?.close?.();
    });

    test.each<[string, string, Expect]>([
      [
        'DO running COPY TO PROGRAM',
        "DO $$ BEGIN EXECUTE 'COPY (SELECT 1) TO PROGRAM ''id'''; END $$",
        { refused: /^error: DO is not allowed/ },
      ],
      ['COPY TO a file', `COPY (SELECT 1) TO '${copyTarget}'`, { refused: /^error: COPY is not allowed/ }],
      ['COPY FROM PROGRAM', "COPY orders FROM PROGRAM 'id'", { refused: /^error: COPY is not allowed/ }],
      [
        'a physical replication slot',
        "SELECT pg_create_physical_replication_slot('probe_slot')",
        { refused: /^error: pg_create_physical_replication_slot is not allowed/ },
      ],
      [
        'pg_read_file',
        "SELECT pg_read_file('/etc/passwd')",
        { refused: /^error: pg_read_file is not allowed/ },
      ],
      ['pg_ls_dir', "SELECT * FROM pg_ls_dir('.')", { refused: /^error: pg_ls_dir is not allowed/ }],
      ['lo_import', "SELECT lo_import('/etc/passwd')", { refused: /^error: lo_import is not allowed/ }],
      [
        'pg_terminate_backend',
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'victim-app'",
        { refused: /^error: pg_terminate_backend is not allowed/ },
      ],
      ['pg_reload_conf', 'SELECT pg_reload_conf()', { refused: /^error: pg_reload_conf is not allowed/ }],
      ['ALTER SYSTEM', "ALTER SYSTEM SET work_mem = '1GB'", { refused: /^error: ALTER is not allowed/ }],
      [
        'CREATE FUNCTION in plpgsql',
        "CREATE FUNCTION f() RETURNS int LANGUAGE sql AS 'SELECT 1'",
        { refused: /^error: CREATE is not allowed/ },
      ],
      [
        'four 100 MB cells',
        "SELECT repeat('x',100000000) a, repeat('x',100000000) b, repeat('x',100000000) c, repeat('x',100000000) d",
        { bounded: bigCells },
      ],
    ])('%s', async (name, sql, expected) => {
      await probe('postgres (superuser, allowPrivilegedRole)', superuser, name, sql, expected);
      await expectClean();
    });
  });
});

describe('SQLite under hostile queries', () => {
  let source: ResearchSource;
  let schemaBefore: string;
  const dbSha = () => createHash('sha256').update(readFileSync(EXAMPLE_DB)).digest('hex');
  const examples = path.dirname(EXAMPLE_DB);
  let shaBefore: string;
  let examplesBefore: string[];
  let tmpBefore: string[];
  const target = path.join(os.tmpdir(), `dr-sqlite-probe-${process.pid}`);

  beforeAll(async () => {
    // A long timeout, so the memory limit is what stops the memory probes, however busy the machine.
    source = sqliteSource('db:probe', { path: EXAMPLE_DB, statementTimeoutMs: 60_000 });
    schemaBefore = (await tool(source, 'describe_database').run({}, { signal: new AbortController().signal }))
      .output;
    shaBefore = dbSha();
    examplesBefore = readdirSync(examples).sort();
    tmpBefore = readdirSync(os.tmpdir()).filter((f) => f.startsWith('etilqs_'));
  });
  afterAll(async () => {
    await source?.close?.();
    rmSync(target, { recursive: true, force: true });
  });

  async function expectClean(): Promise<void> {
    const signal = new AbortController().signal;
    expect((await tool(source, 'describe_database').run({}, { signal })).output).toBe(schemaBefore);
    const temp = await tool(source, 'query_database').run(
      { sql: 'SELECT name FROM temp.sqlite_master' },
      { signal },
    );
    expect(temp.output).toBe('No rows. Columns: name.');
    expect(dbSha()).toBe(shaBefore);
    expect(readdirSync(examples).sort()).toEqual(examplesBefore);
    expect(readdirSync(os.tmpdir()).filter((f) => f.startsWith('etilqs_'))).toEqual(tmpBefore);
    expect(existsSync(target)).toBe(false);
  }

  const refusedByAuthorizer = (what: RegExp) => ({
    refused: new RegExp(`^error: not authorized.*: ${what.source}`),
  });

  test.each<[string, string, Expect]>([
    [
      'a TEMP VIEW that forges a table',
      'CREATE TEMP VIEW orders AS SELECT 1 AS order_id',
      { refused: /^error: CREATE is not allowed/ },
    ],
    [
      'a TEMP TABLE of 1 GB of random blobs',
      'CREATE TEMP TABLE junk AS SELECT randomblob(1000000) FROM generate_series(1, 1000)',
      { refused: /^error: CREATE is not allowed/ },
    ],
    [
      'PRAGMA temp_store_directory',
      `PRAGMA temp_store_directory = '${target}'`,
      refusedByAuthorizer(/PRAGMA temp_store_directory is not allowed/),
    ],
    [
      'PRAGMA temp_store = FILE',
      'PRAGMA temp_store = FILE',
      refusedByAuthorizer(/PRAGMA temp_store is not allowed/),
    ],
    [
      'PRAGMA cache_size',
      'PRAGMA cache_size = -4000000',
      refusedByAuthorizer(/PRAGMA cache_size is not allowed/),
    ],
    [
      'PRAGMA writable_schema',
      'PRAGMA writable_schema = ON',
      refusedByAuthorizer(/PRAGMA writable_schema is not allowed/),
    ],
    [
      'PRAGMA hard_heap_limit',
      'PRAGMA hard_heap_limit = 0',
      refusedByAuthorizer(/PRAGMA hard_heap_limit is not allowed/),
    ],
    [
      'PRAGMA user_version = 7',
      'PRAGMA user_version = 7',
      refusedByAuthorizer(/PRAGMA user_version can be read here, not set/),
    ],
    [
      'ATTACH a new file',
      `ATTACH DATABASE '${target}' AS evil`,
      { refused: /^error: ATTACH is not allowed/ },
    ],
    ['VACUUM INTO a new file', `VACUUM INTO '${target}'`, { refused: /^error: VACUUM is not allowed/ }],
    [
      'load_extension',
      "SELECT load_extension('/tmp/evil.so')",
      refusedByAuthorizer(/the function load_extension is not allowed/),
    ],
    ['a 1 GB blob', 'SELECT randomblob(1000000000) AS b', { refused: /^error: string or blob too big/ }],
    [
      'four 10 MB cells',
      "SELECT printf('%.*c', 10000000, 'x') a, printf('%.*c', 10000000, 'x') b, printf('%.*c', 10000000, 'x') c, printf('%.*c', 10000000, 'x') d",
      {
        bounded: (o) => {
          expect(o).toMatch(/^1 row:/);
          for (const c of [0, 1, 2, 3]) cutCell(o, c);
        },
      },
    ],
    [
      'four 100 MB cells',
      "SELECT printf('%.*c', 100000000, 'x') a, printf('%.*c', 100000000, 'x') b, printf('%.*c', 100000000, 'x') c, printf('%.*c', 100000000, 'x') d",
      { refused: /^error: string or blob too big \(a value may hold at most 67108864 bytes/ },
    ],
    [
      'a DISTINCT holding 800 MB of temporary storage',
      'SELECT count(*) FROM (WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c LIMIT 80) SELECT DISTINCT zeroblob(10000000) || x FROM c)',
      {
        refused:
          /^error: the statement needed more than 512 MiB of memory \(temporary sort space included\) and was stopped/,
      },
    ],
    [
      'an endless recursive query with wide rows',
      "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT x, printf('%.*c', 100000, 'x') AS pad FROM c",
      { bounded: (o) => expect(o).toMatch(/^First \d+ rows \(the query returned more\)|Output cut at/) },
    ],
    [
      'a join of 110 tables',
      `SELECT * FROM ${Array.from({ length: 110 }, (_, i) => `customers t${i}`)
        .slice(0, 110)
        .join(', ')} LIMIT 1`,
      { refused: /^error: / },
    ],
    [
      '200 columns',
      `SELECT * FROM ${Array.from({ length: 25 }, (_, i) => `customers t${i}`).join(' CROSS JOIN ')} LIMIT 2`,
      { bounded: (o) => expect(o).toContain('more columns not shown') },
    ],
    ['BEGIN', 'BEGIN', { refused: /^error: BEGIN is not allowed/ }],
    ['SAVEPOINT', 'SAVEPOINT a', { refused: /^error: SAVEPOINT is not allowed/ }],
    [
      'PRAGMA table_info (allowed)',
      'PRAGMA table_info(orders)',
      { bounded: (o) => expect(o).toContain('order_id') },
    ],
  ])('%s', async (name, sql, expected) => {
    await probe('sqlite', source, name, sql, expected);
    await expectClean();
  });

  test('an endless recursive query is stopped at the statement timeout', async () => {
    const fast = sqliteSource('db:fast', { path: EXAMPLE_DB, statementTimeoutMs: 1_000 });
    try {
      await probe(
        'sqlite',
        fast,
        'an endless recursive query (1 s timeout)',
        'WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT max(x) FROM c',
        { refused: /^error: the statement did not finish within 1000 ms and was stopped/ },
      );
    } finally {
      await fast.close?.();
    }
    await expectClean();
  });
});
