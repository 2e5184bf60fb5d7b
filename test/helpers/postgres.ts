import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { Client } from 'pg';

/**
 * A real, throwaway PostgreSQL server for tests: initdb into a temp directory, pg_ctl start on 127.0.0.1 at
 * a free port (its unix socket in the same directory), trust authentication, and stop + remove on stop().
 * As root (here and in CI) the server runs as the `postgres` user, since initdb refuses root.
 *
 * Needs the server binaries (Debian/Ubuntu: `apt-get install postgresql`); found through `pg_config
 * --bindir` or /usr/lib/postgresql/<version>/bin. Nothing is skipped when they are missing: it fails.
 */

export interface TestPostgres {
  host: string;
  port: number;
  /** The superuser (trust auth: any password is accepted). */
  user: string;
  /** The temp directory: data in `data/`, the unix socket, `server.log`. */
  dir: string;
  /** postgresql://user[:password]@127.0.0.1:port/database (user: the superuser unless given) */
  url(database?: string, password?: string, user?: string): string;
  /** Creates a database, runs `sql` in it (many statements allowed) and returns its URL. */
  createDatabase(name: string, sql?: string): Promise<string>;
  /** Runs SQL in a database (default `postgres`) and returns the rows. */
  query<T extends Record<string, unknown> = Record<string, unknown>>(
    sql: string,
    database?: string,
  ): Promise<T[]>;
  /**
   * Creates the read-only role README's "Private data and custom tools" section tells operators to create,
   * by running that section's SQL (for `database` instead of `sales`), and returns its URL.
   */
  createReadOnlyRole(database: string): Promise<string>;
  /** Stops the server (immediate mode) and removes the directory; safe to call twice. */
  stop(): Promise<void>;
}

/** The role README's read-only SQL creates. */
export const READ_ONLY_ROLE = 'deep_research';

/** README's SQL for a read-only role (the first ```sql block after its marker), for `database`. */
export function readOnlyRoleSql(database: string): string {
  const readme = readFileSync(path.join(__dirname, '..', '..', 'README.md'), 'utf8');
  const marker = readme.indexOf('<!-- read-only-role -->');
  const block = marker < 0 ? null : /```sql\n([\s\S]*?)```/.exec(readme.slice(marker));
  if (!block?.[1]) throw new Error('README.md has no ```sql block after <!-- read-only-role -->');
  return block[1].replace(/\bsales\b/g, database);
}

const INSTALL_HINT =
  'PostgreSQL server binaries (initdb, pg_ctl) are needed for these tests: install them with ' +
  '`apt-get install postgresql` (Debian/Ubuntu), or put a pg_config whose --bindir has them on PATH.';

/** The directory holding initdb and pg_ctl. Throws, saying what to install, when there is none. */
export function postgresBinDir(): string {
  const candidates: string[] = [];
  if (process.env.PG_BINDIR) candidates.push(process.env.PG_BINDIR);
  try {
    candidates.push(execFileSync('pg_config', ['--bindir'], { encoding: 'utf8', stdio: 'pipe' }).trim());
  } catch {
    // no pg_config on PATH
  }
  const debian = '/usr/lib/postgresql';
  if (existsSync(debian)) {
    const versions = readdirSync(debian)
      .filter((v) => /^\d+(\.\d+)?$/.test(v))
      .sort((a, b) => Number(b) - Number(a));
    candidates.push(...versions.map((v) => path.join(debian, v, 'bin')));
  }
  const found = candidates.find(
    (dir) => existsSync(path.join(dir, 'initdb')) && existsSync(path.join(dir, 'pg_ctl')),
  );
  if (!found) throw new Error(`${INSTALL_HINT} Looked in: ${candidates.join(', ') || '(nowhere)'}`);
  return found;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

interface RunAs {
  uid: number;
  gid: number;
}

/** As root, the `postgres` user's ids (initdb and postgres refuse to run as root). */
function serverUser(): RunAs | undefined {
  if (process.getuid?.() !== 0) return undefined;
  try {
    const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8', stdio: 'pipe' }).trim());
    const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8', stdio: 'pipe' }).trim());
    return { uid, gid };
  } catch {
    throw new Error(
      `Running as root, the PostgreSQL server must run as the "postgres" user, which does not exist. ${INSTALL_HINT}`,
    );
  }
}

function run(bin: string, args: string[], runAs: RunAs | undefined, what: string): void {
  const [command, argv] = runAs ? ['runuser', ['-u', 'postgres', '--', bin, ...args]] : [bin, args];
  const result = spawnSync(command, argv, { encoding: 'utf8', timeout: 60_000 });
  if (result.status !== 0) {
    const output = `${result.stdout ?? ''}${result.stderr ?? ''}`.trim();
    throw new Error(`${what} failed (${result.error?.message ?? `exit ${result.status}`}): ${output}`);
  }
}

export async function startPostgres(): Promise<TestPostgres> {
  const bin = postgresBinDir();
  const runAs = serverUser();
  // As root, the postgres user must be able to reach the directory: /tmp is world-traversable.
  const dir = mkdtempSync(path.join(runAs ? '/tmp' : os.tmpdir(), 'dr-pg-'));
  const dataDir = path.join(dir, 'data');
  const logFile = path.join(dir, 'server.log');
  if (runAs) chownSync(dir, runAs.uid, runAs.gid);
  chmodSync(dir, 0o700);
  const host = '127.0.0.1';
  const user = 'postgres';
  let port = 0;
  let stopped = false;

  const stopSync = (): void => {
    if (stopped) return;
    stopped = true;
    if (existsSync(path.join(dataDir, 'postmaster.pid'))) {
      try {
        run(path.join(bin, 'pg_ctl'), ['-D', dataDir, '-m', 'immediate', '-w', 'stop'], runAs, 'pg_ctl stop');
      } catch {
        // already gone
      }
    }
    rmSync(dir, { recursive: true, force: true });
  };
  // A crashed or interrupted test run must not leave a server behind.
  process.once('exit', stopSync);

  try {
    run(
      path.join(bin, 'initdb'),
      ['-D', dataDir, '-U', user, '-A', 'trust', '-E', 'UTF8', '--no-locale', '--no-sync'],
      runAs,
      'initdb',
    );
    for (let attempt = 0; ; attempt += 1) {
      port = await freePort();
      const settings = [
        `-c listen_addresses=${host}`,
        `-p ${port}`,
        `-k ${dir}`,
        '-c fsync=off',
        '-c synchronous_commit=off',
        '-c full_page_writes=off',
        '-c max_connections=30',
      ].join(' ');
      try {
        run(
          path.join(bin, 'pg_ctl'),
          ['-D', dataDir, '-l', logFile, '-o', settings, '-w', '-t', '30', 'start'],
          runAs,
          'pg_ctl start',
        );
        break;
      } catch (error) {
        // Another process may have taken the port between freePort() and the server binding it.
        if (attempt >= 2) {
          const log = existsSync(logFile) ? readFileSync(logFile, 'utf8').slice(-2000) : '';
          throw new Error(`${(error as Error).message}\n${log}`, { cause: error });
        }
      }
    }
  } catch (error) {
    stopSync();
    process.removeListener('exit', stopSync);
    throw error;
  }

  const url = (database = 'postgres', password?: string, as = user): string =>
    `postgresql://${as}${password ? `:${encodeURIComponent(password)}` : ''}@${host}:${port}/${database}`;

  const query = async <T extends Record<string, unknown>>(
    sql: string,
    database = 'postgres',
  ): Promise<T[]> => {
    const client = new Client({ connectionString: url(database) });
    await client.connect();
    try {
      const result = await client.query<T>(sql);
      // Several statements give several results; the last one's rows are the answer.
      const results = Array.isArray(result) ? (result as { rows: T[] }[]) : [result];
      return results[results.length - 1]?.rows ?? [];
    } finally {
      await client.end();
    }
  };

  return {
    host,
    port,
    user,
    dir,
    url,
    query,
    async createDatabase(name: string, sql?: string): Promise<string> {
      await query(`CREATE DATABASE "${name.replace(/"/g, '""')}"`);
      if (sql) await query(sql, name);
      return url(name);
    },
    async createReadOnlyRole(database: string): Promise<string> {
      await query(readOnlyRoleSql(database), database);
      return url(database, 'change-me', READ_ONLY_ROLE);
    },
    async stop(): Promise<void> {
      stopSync();
      process.removeListener('exit', stopSync);
    },
  };
}
