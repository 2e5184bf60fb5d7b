import { createHash } from 'node:crypto';
import { oneLine } from '../../text';
import { EXCERPT_CHARS } from '../bounds';

/** What the SQL tools show the model: bounded Markdown tables, schema summaries, masked secrets. */

/** A value as displayed: databases' values are turned into text by the backends; `null` is SQL NULL. */
export type Cell = string | null;

export interface QueryRows {
  columns: string[];
  /** At most the requested number of rows. */
  rows: Cell[][];
  /** The statement produced more rows than `rows` holds. */
  more: boolean;
}

export interface SchemaColumn {
  name: string;
  type: string;
  notNull: boolean;
  primaryKey: boolean;
  /** `table(column)` for a single-column foreign key. */
  references?: string;
}

export interface SchemaTable {
  /** Qualified name as it is written in a query, e.g. `orders` or `sales.orders`. */
  name: string;
  kind: 'table' | 'view' | 'materialized view' | 'foreign table' | 'partitioned table';
  columns: SchemaColumn[];
  /** Constraints that do not fit a column: multi-column foreign keys, composite primary keys. */
  constraints: string[];
  /** Counted rows, up to `capped` (then there are more), or undefined when not counted (views). */
  rows?: { count: number; capped: boolean };
  /** The planner's estimate, shown when the count is capped. */
  estimate?: number;
  comment?: string;
}

export interface SchemaInfo {
  tables: SchemaTable[];
  /** Tables and views beyond the description's limit, by name. */
  omitted: string[];
}

export const DEFAULT_MAX_ROWS = 50;
export const DEFAULT_MAX_BYTES = 16 * 1024;
/** describe_database's own bound: a schema is read once and worth more room than one result. */
export const DESCRIBE_MAX_BYTES = 32 * 1024;
export const DESCRIBE_MAX_TABLES = 200;
/** Row counts stop at this many rows, so a huge table costs a bounded scan. */
export const COUNT_CAP = 100_000;
/** Longest cell value shown; longer text is cut with an ellipsis. */
export const MAX_CELL_CHARS = 500;
/** Columns of a result shown: a row of the widest result stays around 200 KB. */
export const MAX_COLUMNS = 100;

export function byteLength(text: string): number {
  return Buffer.byteLength(text, 'utf8');
}

/**
 * `text` cut to at most `max` characters (code points), the last an ellipsis. Work is bounded by `max`, not
 * by the text's length: a code point is at most two UTF-16 units, so only the first 2 × max are looked at.
 */
export function shorten(text: string, max: number): string {
  if (text.length <= max) return text;
  const chars = Array.from(text.slice(0, 2 * max + 2));
  return chars.length <= max && text.length <= 2 * max + 2 ? text : `${chars.slice(0, max - 1).join('')}…`;
}

/** Bytes a cell adds to a result, as counted against maxBytes while rows are read. */
export function cellBytes(cell: Cell): number {
  return cell === null ? 4 : Buffer.byteLength(cell, 'utf8') + 3;
}

/** Short, stable id of a query for its source URL: whitespace-insensitive. */
export function sqlHash(sql: string): string {
  return createHash('sha256').update(oneLine(sql)).digest('hex').slice(0, 8);
}

export function queryTitle(name: string, sql: string, purpose?: string): string {
  const what = purpose?.trim() ? oneLine(purpose) : shorten(oneLine(sql), 80);
  return `${name}: ${what}`;
}

function markdownCell(cell: Cell): string {
  if (cell === null) return 'NULL';
  return shorten(cell, MAX_CELL_CHARS)
    .replace(/\r?\n|\r/g, ' ')
    .replace(/\|/g, '\\|');
}

function markdownRow(cells: Cell[]): string {
  return `| ${cells.map(markdownCell).join(' | ')} |`;
}

function plural(count: number, word: string): string {
  return `${count} ${word}${count === 1 ? '' : 's'}`;
}

/**
 * The rows as a Markdown table under a one-line summary, at most `maxBytes` (UTF-8) in all, with a note
 * saying what was left out and how to ask for less.
 */
export function formatRows(result: QueryRows, maxBytes: number): { text: string; shown: number } {
  if (result.columns.length === 0) {
    return { text: 'The statement ran and returned no result set.', shown: 0 };
  }
  if (result.rows.length === 0) {
    return { text: `No rows. Columns: ${result.columns.join(', ')}.`, shown: 0 };
  }
  const total = result.rows.length;
  const summary = result.more
    ? `First ${plural(total, 'row')} (the query returned more):`
    : `${plural(total, 'row')}:`;
  const lines = [
    summary,
    '',
    markdownRow(result.columns),
    `| ${result.columns.map(() => '---').join(' | ')} |`,
  ];
  // Room for the closing note, so the whole text stays under maxBytes.
  const budget = maxBytes - 240;
  let used = byteLength(lines.join('\n'));
  let shown = 0;
  for (const row of result.rows) {
    const line = markdownRow(row);
    const size = byteLength(line) + 1;
    if (used + size > budget) break;
    lines.push(line);
    used += size;
    shown += 1;
  }
  if (shown < total) {
    lines.push(
      '',
      `Output cut at ${maxBytes} bytes: ${shown} of ${total}${result.more ? '+' : ''} rows shown. ` +
        'Select fewer columns, aggregate (GROUP BY, COUNT, SUM) or add a LIMIT.',
    );
  } else if (result.more) {
    lines.push(
      '',
      `Only the first ${plural(shown, 'row')} are shown. ` +
        'Aggregate (GROUP BY, COUNT, SUM), filter with WHERE or add a LIMIT to see what matters.',
    );
  }
  return { text: lines.join('\n'), shown };
}

/** The first rows as `column=value` pairs, at most EXCERPT_CHARS: the fact a query result supports. */
export function rowsExcerpt(result: QueryRows, shown: number): string {
  if (result.columns.length === 0) return 'No result set.';
  if (result.rows.length === 0) return `No rows (columns: ${result.columns.join(', ')}).`;
  const count = `${plural(result.rows.length, 'row')}${result.more ? ' or more' : ''}`;
  const parts: string[] = [];
  let length = 0;
  for (const row of result.rows.slice(0, Math.max(shown, 1))) {
    const pair = result.columns
      .map((column, i) => `${column}=${oneLine(shorten(row[i] ?? 'NULL', 80))}`)
      .join(', ');
    length += pair.length + 2;
    parts.push(pair);
    if (length > EXCERPT_CHARS) break;
  }
  const text = parts.join('; ');
  const suffix = ` (${count})`;
  return shorten(text, EXCERPT_CHARS - suffix.length) + suffix;
}

function describeColumn(column: SchemaColumn): string {
  const parts = [`- ${column.name} ${column.type || 'ANY'}`];
  if (column.primaryKey) parts.push('PRIMARY KEY');
  else if (column.notNull) parts.push('NOT NULL');
  if (column.references) parts.push(`REFERENCES ${column.references}`);
  return parts.join(' ');
}

function describeRows(table: SchemaTable): string {
  if (table.kind === 'view' || table.kind === 'foreign table') return table.kind;
  if (!table.rows) return table.estimate !== undefined ? `about ${table.estimate} rows` : table.kind;
  const counted = table.rows.capped
    ? `more than ${table.rows.count} rows${table.estimate ? `, about ${table.estimate} estimated` : ''}`
    : plural(table.rows.count, 'row');
  return table.kind === 'table' ? counted : `${table.kind}, ${counted}`;
}

function describeTable(table: SchemaTable): string {
  const lines = [`## ${table.name} (${describeRows(table)})`];
  if (table.comment) lines.push(oneLine(shorten(table.comment, 300)));
  lines.push(...table.columns.map(describeColumn), ...table.constraints.map((c) => `- ${c}`));
  return lines.join('\n');
}

/** The schema for the model: one section per table with its columns, keys and row count. */
export function formatSchema(heading: string, schema: SchemaInfo, maxBytes: number): string {
  const tables = schema.tables.filter((t) => t.kind !== 'view').length;
  const views = schema.tables.length - tables;
  const counts = [plural(tables, 'table'), ...(views > 0 ? [plural(views, 'view')] : [])].join(', ');
  const blocks = [`${heading}: ${counts}${schema.omitted.length > 0 ? ' shown' : ''}.`];
  let used = byteLength(blocks[0] as string);
  const left: string[] = [];
  for (const table of schema.tables) {
    const block = describeTable(table);
    if (left.length > 0 || used + byteLength(block) + 2 > maxBytes - 600) {
      left.push(table.name);
      continue;
    }
    blocks.push(block);
    used += byteLength(block) + 2;
  }
  const omitted = [...left, ...schema.omitted];
  if (omitted.length > 0) {
    blocks.push(
      shorten(
        `${plural(omitted.length, 'more table')} not described (output limit): ${omitted.join(', ')}`,
        500,
      ) + '\nQuery the catalog for their columns.',
    );
  }
  return blocks.join('\n\n');
}

/** The tables and their columns in one line of at most EXCERPT_CHARS. */
export function schemaExcerpt(schema: SchemaInfo): string {
  const text = schema.tables
    .map((t) => {
      const rows = t.rows
        ? `, ${t.rows.capped ? '>' : ''}${t.rows.count} rows`
        : t.kind === 'table'
          ? ''
          : `, ${t.kind}`;
      return `${t.name} (${t.columns.map((c) => c.name).join(', ')}${rows})`;
    })
    .join('; ');
  return shorten(text || 'No tables.', EXCERPT_CHARS);
}

/** A connection string with its password (URL user info, `password=` settings) replaced by `***`. */
export function maskConnectionString(connectionString: string): string {
  let masked = connectionString.replace(/\b((?:ssl)?password\s*=\s*)('(?:[^'\\]|\\.)*'|[^\s&]*)/gi, '$1***');
  const scheme = masked.indexOf('://');
  if (scheme >= 0) {
    const at = masked.lastIndexOf('@');
    const colon = masked.indexOf(':', scheme + 3);
    if (at > scheme && colon >= 0 && colon < at)
      masked = `${masked.slice(0, colon + 1)}***${masked.slice(at)}`;
  }
  return masked;
}

/** The secrets a connection string holds, raw and URL-decoded, to scrub from any text shown. */
export function connectionSecrets(connectionString: string): string[] {
  const secrets = new Set<string>();
  for (const match of connectionString.matchAll(/\b(?:ssl)?password\s*=\s*('(?:[^'\\]|\\.)*'|[^\s&]*)/gi)) {
    const value = (match[1] ?? '').replace(/^'|'$/g, '');
    secrets.add(value);
  }
  const scheme = connectionString.indexOf('://');
  const at = connectionString.lastIndexOf('@');
  const colon = scheme >= 0 ? connectionString.indexOf(':', scheme + 3) : -1;
  if (scheme >= 0 && colon >= 0 && colon < at) secrets.add(connectionString.slice(colon + 1, at));
  for (const secret of [...secrets]) {
    try {
      secrets.add(decodeURIComponent(secret));
    } catch {
      // not URL-encoded
    }
  }
  return [...secrets].filter((secret) => secret.length >= 3 && secret !== '***');
}

/** `text` with the connection string masked and every secret in it replaced by `***`. */
export function scrubSecrets(text: string, connectionString: string): string {
  let scrubbed = text.split(connectionString).join(maskConnectionString(connectionString));
  for (const secret of connectionSecrets(connectionString).sort((a, b) => b.length - a.length)) {
    scrubbed = scrubbed.split(secret).join('***');
  }
  return scrubbed;
}
