/**
 * Splits SQL text into its top-level statements (without the terminating `;`), for migrations that run outside
 * a transaction: PostgreSQL runs a multi-statement simple query — what both `pg`'s `query(text)` and PGlite's
 * `exec` send — as one implicit transaction, where `CREATE INDEX CONCURRENTLY` is refused. Understands
 * '…' strings (with '' and, for E'…', backslash escapes), "…" identifiers, $tag$…$tag$ bodies, -- comments and
 * nested /* … *\/ comments. Comments before a statement are left out, and so are statements that are only
 * comments.
 */
export function splitSqlStatements(sql: string): string[] {
  const out: string[] = [];
  let start = -1; // where the current statement's first token is; -1 while only comments and blanks were seen
  let i = 0;
  const n = sql.length;
  const push = (end: number) => {
    if (start !== -1) out.push(sql.slice(start, end).trim());
    start = -1;
  };
  while (i < n) {
    const c = sql[i]!;
    const next = sql[i + 1];
    if (c === '-' && next === '-') {
      const eol = sql.indexOf('\n', i);
      i = eol === -1 ? n : eol + 1;
      continue;
    }
    if (c === '/' && next === '*') {
      let depth = 1;
      i += 2;
      while (i < n && depth > 0) {
        if (sql[i] === '/' && sql[i + 1] === '*') {
          depth++;
          i += 2;
        } else if (sql[i] === '*' && sql[i + 1] === '/') {
          depth--;
          i += 2;
        } else i++;
      }
      if (depth > 0) throw new Error('SQL text ends inside a /* comment */');
      continue;
    }
    if (c === ';') {
      push(i);
      i++;
      continue;
    }
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    if (start === -1) start = i;
    if (c === "'") {
      const escapes = i > 0 && /[eE]/.test(sql[i - 1]!) && (i < 2 || !/[\w$]/.test(sql[i - 2]!));
      i = endOfQuoted(sql, i, "'", escapes);
      continue;
    }
    if (c === '"') {
      i = endOfQuoted(sql, i, '"', false);
      continue;
    }
    if (c === '$') {
      const tag = /^\$(?:[A-Za-z_][A-Za-z0-9_]*)?\$/.exec(sql.slice(i));
      // `$1` (a parameter) or `$` inside an identifier is not a dollar quote
      if (tag && (i === 0 || !/[\w$]/.test(sql[i - 1]!))) {
        const close = sql.indexOf(tag[0], i + tag[0].length);
        if (close === -1) throw new Error(`SQL text ends inside a ${tag[0]} quoted body`);
        i = close + tag[0].length;
        continue;
      }
    }
    i++;
  }
  push(n);
  return out;
}

/** The index just after the closing quote of the quoted text that starts at `open`. */
function endOfQuoted(sql: string, open: number, quote: string, backslashEscapes: boolean): number {
  let i = open + 1;
  while (i < sql.length) {
    const c = sql[i];
    if (backslashEscapes && c === '\\') {
      i += 2;
      continue;
    }
    if (c === quote) {
      if (sql[i + 1] === quote) {
        i += 2; // doubled quote: part of the text
        continue;
      }
      return i + 1;
    }
    i++;
  }
  throw new Error(`SQL text ends inside a ${quote}quoted${quote} string`);
}
