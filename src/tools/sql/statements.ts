/**
 * Just enough SQL lexing to split a request into statements and find its verb: string literals, quoted
 * identifiers, comments and (PostgreSQL) dollar-quoted bodies are skipped, so a `;` or a keyword inside
 * them does not count. This is a guard in front of the database, not the read-only enforcement itself
 * (that is the database's: a read-only SQLite connection, a READ ONLY PostgreSQL transaction).
 */

export type SqlDialect = 'sqlite' | 'postgres';

export interface SqlStatement {
  /** The statement's text, trimmed, without the terminating `;`. */
  text: string;
  /** Upper-cased words outside parentheses, strings and comments, in order (the first is the verb). */
  words: string[];
  /** Every upper-cased word outside strings and comments, at any depth. */
  allWords: Set<string>;
  /** Every identifier, lower-cased: unquoted words and the contents of quoted identifiers (`"pg_sleep"`). */
  identifiers: Set<string>;
  /** The first thing that is not a comment or whitespace: a word (upper-cased) or a character such as `(`. */
  first: string;
  /**
   * Why the text cannot be wrapped safely as `(<statement>)`: an unterminated string, identifier or
   * comment, parentheses that close more than they open or stay open, or a Unicode-escaped identifier
   * (`U&"..."`, whose name this lexer does not decode). Undefined when none of these.
   */
  malformed?: string;
}

/** The non-empty statements in `sql` (a statement holding only comments and whitespace is empty). */
export function splitStatements(sql: string, dialect: SqlDialect): SqlStatement[] {
  const statements: SqlStatement[] = [];
  let start = 0;
  let depth = 0;
  let words: string[] = [];
  let allWords = new Set<string>();
  let identifiers = new Set<string>();
  let first = '';
  let malformed: string | undefined;
  let hasCode = false;
  let i = 0;
  const n = sql.length;

  const finish = (end: number): void => {
    if (depth > 0) malformed ??= 'a parenthesis is never closed';
    if (hasCode) {
      const statement: SqlStatement = {
        text: sql.slice(start, end).trim(),
        words,
        allWords,
        identifiers,
        first,
      };
      if (malformed) statement.malformed = malformed;
      statements.push(statement);
    }
    words = [];
    allWords = new Set();
    identifiers = new Set();
    first = '';
    malformed = undefined;
    hasCode = false;
    depth = 0;
  };
  const code = (token: string): void => {
    if (!hasCode) first = token;
    hasCode = true;
  };
  const unterminated = (end: number, what: string): number => {
    // The skip helpers return n + 1 when the closing mark is missing.
    if (end > n) malformed ??= `${what} is never closed`;
    return Math.min(end, n);
  };

  while (i < n) {
    const c = sql[i] as string;
    const next = sql[i + 1];
    if (c === '-' && next === '-') {
      const end = sql.indexOf('\n', i);
      i = end < 0 ? n : end + 1;
    } else if (c === '/' && next === '*') {
      i = unterminated(skipBlockComment(sql, i, dialect === 'postgres'), 'a /* comment');
    } else if (c === "'") {
      // PostgreSQL's E'...' strings take backslash escapes (a lone E, not the end of an identifier).
      const backslashEscapes =
        dialect === 'postgres' && /[eE]/.test(sql[i - 1] ?? '') && !/[A-Za-z0-9_$]/.test(sql[i - 2] ?? '');
      code("'");
      i = unterminated(skipQuoted(sql, i, "'", backslashEscapes), 'a string');
    } else if (c === '"' || (dialect === 'sqlite' && c === '`')) {
      if (dialect === 'postgres' && sql[i - 1] === '&' && /[uU]/.test(sql[i - 2] ?? '')) {
        malformed ??= 'Unicode-escaped identifiers (U&"...") are not accepted: write the name plainly';
      }
      code(c);
      const end = skipQuoted(sql, i, c, false);
      identifiers.add(
        sql
          .slice(i + 1, end - 1)
          .split(c + c)
          .join(c)
          .toLowerCase(),
      );
      i = unterminated(end, 'a quoted identifier');
    } else if (dialect === 'sqlite' && c === '[') {
      const end = sql.indexOf(']', i + 1);
      code(c);
      identifiers.add(sql.slice(i + 1, end < 0 ? n : end).toLowerCase());
      i = end < 0 ? unterminated(n + 1, 'a [bracketed] identifier') : end + 1;
    } else if (dialect === 'postgres' && c === '$' && isDollarQuoteStart(sql, i)) {
      code(c);
      i = unterminated(skipDollarQuoted(sql, i), 'a dollar-quoted string');
    } else if (c === ';') {
      finish(i);
      i += 1;
      start = i;
    } else if (c === '(') {
      depth += 1;
      code(c);
      i += 1;
    } else if (c === ')') {
      if (depth === 0) malformed ??= 'a parenthesis closes that was never opened';
      depth = Math.max(0, depth - 1);
      code(c);
      i += 1;
    } else if (/[A-Za-z_]/.test(c)) {
      let end = i + 1;
      while (end < n && /[A-Za-z0-9_$]/.test(sql[end] as string)) end += 1;
      const word = sql.slice(i, end).toUpperCase();
      if (depth === 0) words.push(word);
      allWords.add(word);
      identifiers.add(word.toLowerCase());
      code(word);
      i = end;
    } else {
      if (!/\s/.test(c)) code(c);
      i += 1;
    }
  }
  finish(n);
  return statements;
}

/**
 * The verb that decides what a statement does: its first word, or for `WITH ...` the statement the
 * common table expressions feed (SELECT, INSERT, UPDATE, DELETE, MERGE, VALUES or TABLE).
 */
export function mainVerb(statement: SqlStatement): string {
  const first = statement.words[0] ?? '';
  if (first !== 'WITH') return first;
  const verb = statement.words.find((word) => MAIN_VERBS.has(word));
  return verb ?? first;
}

const MAIN_VERBS = new Set(['SELECT', 'INSERT', 'UPDATE', 'DELETE', 'MERGE', 'VALUES', 'TABLE', 'REPLACE']);

function skipBlockComment(sql: string, from: number, nested: boolean): number {
  let depth = 0;
  let i = from;
  while (i < sql.length) {
    if (sql[i] === '/' && sql[i + 1] === '*') {
      depth = nested ? depth + 1 : 1;
      i += 2;
    } else if (sql[i] === '*' && sql[i + 1] === '/') {
      depth -= 1;
      i += 2;
      if (depth === 0) return i;
    } else {
      i += 1;
    }
  }
  return sql.length + 1;
}

function skipQuoted(sql: string, from: number, quote: string, backslashEscapes: boolean): number {
  let i = from + 1;
  while (i < sql.length) {
    const c = sql[i];
    if (backslashEscapes && c === '\\') {
      i += 2;
    } else if (c === quote) {
      if (sql[i + 1] === quote) i += 2;
      else return i + 1;
    } else {
      i += 1;
    }
  }
  return sql.length + 1;
}

const DOLLAR_TAG = /^\$([A-Za-z_][A-Za-z0-9_]*)?\$/;

function isDollarQuoteStart(sql: string, at: number): boolean {
  // `$1` is a parameter and `a$b` part of an identifier; `$$` and `$tag$` open a dollar-quoted string.
  if (at > 0 && /[A-Za-z0-9_$]/.test(sql[at - 1] ?? '')) return false;
  return DOLLAR_TAG.test(sql.slice(at, at + 65));
}

function skipDollarQuoted(sql: string, from: number): number {
  const tag = DOLLAR_TAG.exec(sql.slice(from, from + 65))?.[0] ?? '$$';
  const end = sql.indexOf(tag, from + tag.length);
  return end < 0 ? sql.length + 1 : end + tag.length;
}
