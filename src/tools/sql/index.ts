/** SQL databases as research sources: SQLite files and PostgreSQL servers, read-only, cited per query. */
export { sqliteSource, type SqliteSourceOptions } from './sqlite';
export { postgresSource, type PostgresSourceOptions } from './postgres';
export { maskConnectionString } from './format';
