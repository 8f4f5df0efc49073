import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseDirectives, readMigrations } from '#core/db/migrate';
import { splitSqlStatements } from '#core/db/sql-split';

describe('splitSqlStatements', () => {
  it('splits on top-level semicolons only', () => {
    const sql = `-- a comment; not a statement
CREATE TABLE t (a text DEFAULT 'x;y', "we;ird" int);
/* block; /* nested; */ still comment; */
DO $$ BEGIN PERFORM 1; END $$;
CREATE FUNCTION f() RETURNS int LANGUAGE sql AS $fn$ SELECT 1; $fn$;
SELECT E'it\\'s; fine', 'it''s; fine', $1
`;
    expect(splitSqlStatements(sql)).toEqual([
      `CREATE TABLE t (a text DEFAULT 'x;y', "we;ird" int)`,
      'DO $$ BEGIN PERFORM 1; END $$',
      'CREATE FUNCTION f() RETURNS int LANGUAGE sql AS $fn$ SELECT 1; $fn$',
      `SELECT E'it\\'s; fine', 'it''s; fine', $1`,
    ]);
  });

  it('leaves out empty and comment-only statements', () => {
    expect(splitSqlStatements(';; -- nothing\n ; /* x */ ;')).toEqual([]);
  });

  it('refuses text that ends inside a quote or a comment', () => {
    expect(() => splitSqlStatements("SELECT 'open")).toThrow(/quoted/);
    expect(() => splitSqlStatements('DO $$ BEGIN')).toThrow(/\$\$/);
    expect(() => splitSqlStatements('SELECT 1 /* open')).toThrow(/comment/);
  });
});

describe('migration directives', () => {
  const sum = 'a'.repeat(64);

  it('reads them from the leading comment block', () => {
    const d = parseDirectives(
      'x.sql',
      `-- migrate:no-transaction\n-- migrate:accepts-checksum ${sum}\n-- migrate:only-if SELECT true\n-- prose\nSELECT 1;\n`,
    );
    expect(d).toEqual({ transaction: false, acceptedChecksums: [sum], onlyIf: 'SELECT true' });
    expect(parseDirectives('y.sql', 'SELECT 1;')).toEqual({ transaction: true, acceptedChecksums: [] });
  });

  it('refuses unknown directives, bad arguments and directives after the first statement', () => {
    expect(() => parseDirectives('x.sql', '-- migrate:no-transactions\nSELECT 1;')).toThrow(/not understood/);
    expect(() => parseDirectives('x.sql', '-- migrate:accepts-checksum abc\nSELECT 1;')).toThrow(
      /not understood/,
    );
    expect(() => parseDirectives('x.sql', 'SELECT 1;\n-- migrate:no-transaction\n')).toThrow(
      /before the first/,
    );
  });

  it('requires re-runnable index statements in a no-transaction migration', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'migr-'));
    writeFileSync(
      join(dir, '0001_a.sql'),
      '-- migrate:no-transaction\nCREATE INDEX CONCURRENTLY i ON t (a);\n',
    );
    await expect(readMigrations(dir)).rejects.toThrow(/0001_a\.sql.*IF NOT EXISTS/);
    writeFileSync(join(dir, '0001_a.sql'), '-- migrate:no-transaction\nDROP INDEX CONCURRENTLY i;\n');
    await expect(readMigrations(dir)).rejects.toThrow(/0001_a\.sql.*IF EXISTS/);
    writeFileSync(
      join(dir, '0001_a.sql'),
      '-- migrate:no-transaction\nCREATE INDEX CONCURRENTLY IF NOT EXISTS i ON t (a);\nDROP INDEX CONCURRENTLY IF EXISTS j;\n',
    );
    const [f] = await readMigrations(dir);
    expect(f?.transaction).toBe(false);
    expect(f?.statements).toHaveLength(2);
  });
});
