/**
 * Builds examples/example.db (SQLite) from examples/example.sql, the fictional "Northwind Robotics"
 * sales and operations database used by the SQL source's examples and tests.
 *
 *   npx tsx scripts/make-example-db.ts [sql-file] [db-file]
 */
import { readFileSync, renameSync, rmSync } from 'node:fs';
import path from 'node:path';
import { DatabaseSync } from 'node:sqlite';

const root = path.resolve(__dirname, '..');
const sqlFile = path.resolve(process.argv[2] ?? path.join(root, 'examples', 'example.sql'));
const dbFile = path.resolve(process.argv[3] ?? path.join(root, 'examples', 'example.db'));
const tmpFile = `${dbFile}.tmp-${process.pid}`;

const sql = readFileSync(sqlFile, 'utf8');
rmSync(tmpFile, { force: true });
const db = new DatabaseSync(tmpFile);
try {
  db.exec('PRAGMA foreign_keys = ON');
  db.exec('BEGIN');
  db.exec(sql);
  db.exec('COMMIT');
  const violations = db.prepare('PRAGMA foreign_key_check').all();
  if (violations.length > 0) throw new Error(`foreign key violations: ${JSON.stringify(violations)}`);
  db.exec('VACUUM');
  const tables = db
    .prepare("SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")
    .all()
    .map((row) => String(row.name));
  const counts = tables.map((table) => {
    const row = db.prepare(`SELECT count(*) AS n FROM "${table}"`).get();
    return `${table} ${String(row?.n)}`;
  });
  db.close();
  renameSync(tmpFile, dbFile);
  console.log(`${path.relative(process.cwd(), dbFile)}: ${counts.join(', ')}`);
} catch (error) {
  if (db.isOpen) db.close();
  rmSync(tmpFile, { force: true });
  throw error;
}
