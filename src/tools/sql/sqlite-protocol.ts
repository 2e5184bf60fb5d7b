import type { Cell, QueryRows } from './format';

/**
 * What the SQLite source (sqlite.ts) and its child process (sqlite-child.ts) say to each other. Types
 * only: the child imports them with `import type`, which compilation and Node's type stripping both
 * erase, so it still loads nothing but `node:` modules.
 */

export type { Cell };

/** The child's settings: its one command-line argument, as JSON. */
export interface SqliteChildConfig {
  file: string;
  /** Characters kept of a text cell (the parent shows one less and an ellipsis). */
  cellChars: number;
  /** The process's resident memory the parent allows (it watches and kills), for error messages. */
  processBytes: number;
  /** The longest string or blob SQLite will build or read. */
  valueBytes: number;
  /** Columns of a query's result shown; the rest are counted in one more column. */
  maxColumns: number;
}

/** One statement to run. */
export interface SqliteQuery {
  op: 'query';
  sql: string;
  params: string[];
  maxRows: number;
  maxBytes: number;
  /** A SELECT/WITH/VALUES statement: the child wraps it so SQLite cuts cells and rows. */
  wrap: boolean;
}

/** A statement as sent to the child, with the id its answer carries. */
export type SqliteChildRequest = SqliteQuery & { id: number };

/** The answer to request `id`; id 0 is the child's start-up message (fatal when it cannot open the file). */
export type SqliteChildReply =
  { id: number; ok: true; result: QueryRows } | { id: number; ok: false; error: string; fatal?: boolean };
