import { randomBytes } from 'node:crypto';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { defaultMigrationsDir, type MigrateOptions, migrate } from '#core/db/migrate';
import { createPgDb } from '#core/db/pg';
import type { Db } from '#core/db/types';
import { sha256Hex } from '#core/hash';
import { createPgliteDb } from '../../../bin/local/pglite';
import { adminQuery, dbTargets } from '../../support/db';

/** The runner's advisory lock key (layers/core/src/db/migrate.ts). */
const LOCK_KEY = 727274001;
const fast: MigrateOptions = { lockPollMs: 10 };

interface Fresh {
  db: Db;
  /** Another Db on the same database: a second runner (PostgreSQL only). */
  other?: () => Db;
  url?: string;
}

/** An empty database: a throw-away one on the server (named after this branch), or an in-memory PGlite. */
async function fresh(kind: 'pglite' | 'pg', cleanup: Array<() => Promise<void>>): Promise<Fresh> {
  if (kind === 'pglite') {
    const db = await createPgliteDb();
    cleanup.push(() => db.close());
    return { db };
  }
  const server = process.env.DATABASE_URL ?? '';
  const name = `concurrent_index_${randomBytes(5).toString('hex')}`;
  const admin = (sql: string) => adminQuery(server, sql);
  await admin(`CREATE DATABASE ${name}`);
  cleanup.push(() => admin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`));
  const url = new URL(server);
  url.pathname = `/${name}`;
  const open = () => {
    // the request path's short statement_timeout: migrations must not be bound by it
    const db = createPgDb({
      connectionString: url.toString(),
      poolMax: 1,
      statementTimeoutMs: 200,
      connectTimeoutMs: 5_000,
    });
    cleanup.unshift(() => db.close());
    return db;
  };
  return { db: open(), other: open, url: url.toString() };
}

/** A migrations folder holding `files` (name → SQL). */
function dir(files: Record<string, string>): string {
  const d = mkdtempSync(join(tmpdir(), 'migr-'));
  for (const [name, sql] of Object.entries(files)) writeFileSync(join(d, name), sql);
  return d;
}

const TABLE = `CREATE TABLE t (id int PRIMARY KEY, a int NOT NULL);
INSERT INTO t SELECT g, g % 7 FROM generate_series(1, 500) g;
CREATE INDEX t_a_plain ON t (a);
`;
const CONCURRENT = `-- migrate:no-transaction
-- an index built without blocking writes, replacing the plain one
CREATE INDEX CONCURRENTLY IF NOT EXISTS t_a_idx ON t (a, id);
DROP INDEX CONCURRENTLY IF EXISTS t_a_plain;
`;

async function indexState(db: Db, name: string): Promise<'missing' | 'valid' | 'invalid'> {
  const r = await db.query<{ valid: boolean }>(
    'SELECT indisvalid AS valid FROM pg_index WHERE indexrelid = to_regclass($1)',
    [name],
  );
  const row = r.rows[0];
  return row ? (row.valid ? 'valid' : 'invalid') : 'missing';
}

async function recorded(db: Db): Promise<string[]> {
  const r = await db.query<{ name: string }>('SELECT name FROM schema_migrations ORDER BY version');
  return r.rows.map((x) => x.name);
}

describe.each(dbTargets())('migration runner on %s', (kind) => {
  const cleanup: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const c of cleanup.splice(0)) await c();
  });

  it('applies a no-transaction migration (CREATE/DROP INDEX CONCURRENTLY), records it, skips it on a re-run', async () => {
    const { db } = await fresh(kind, cleanup);
    const d = dir({ '0001_t.sql': TABLE, '0002_t_idx.sql': CONCURRENT });
    const first = await migrate(db, d, fast);
    expect(first.applied).toEqual(['0001_t.sql', '0002_t_idx.sql']);
    expect(await indexState(db, 't_a_idx')).toBe('valid');
    expect(await indexState(db, 't_a_plain')).toBe('missing');
    const row = await db.query<{ checksum: string }>(
      "SELECT checksum FROM schema_migrations WHERE version = '0002'",
    );
    expect(row.rows[0]?.checksum).toBe(sha256Hex(CONCURRENT));
    const again = await migrate(db, d, fast);
    expect(again.applied).toEqual([]);
    expect(await recorded(db)).toEqual(['0001_t.sql', '0002_t_idx.sql']);
  });

  it('records nothing when a statement fails half-way, names it, and completes on the next run', async () => {
    const { db } = await fresh(kind, cleanup);
    const broken = `${CONCURRENT}SELECT a / 0 FROM t;\n`;
    const d = dir({ '0001_t.sql': TABLE, '0002_t_idx.sql': broken });
    await expect(migrate(db, d, fast)).rejects.toThrow(
      /^Migration 0002_t_idx\.sql failed at statement 3 of 3 \(SELECT a \/ 0 FROM t\): division by zero/,
    );
    expect(await recorded(db)).toEqual(['0001_t.sql']);
    // the statements before the failing one stay applied (no transaction)
    expect(await indexState(db, 't_a_idx')).toBe('valid');
    expect(await indexState(db, 't_a_plain')).toBe('missing');
    writeFileSync(join(d, '0002_t_idx.sql'), CONCURRENT); // fixed: every statement runs again, as no-ops
    const second = await migrate(db, d, fast);
    expect(second.applied).toEqual(['0002_t_idx.sql']);
    expect(await recorded(db)).toEqual(['0001_t.sql', '0002_t_idx.sql']);
  });

  it('drops the invalid index a failed CREATE INDEX CONCURRENTLY left, then builds it on the re-run', async () => {
    const { db } = await fresh(kind, cleanup);
    const unique = `-- migrate:no-transaction
CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS t_a_key ON t (a);
`;
    const d = dir({ '0001_t.sql': TABLE, '0002_t_key.sql': unique });
    await expect(migrate(db, d, fast)).rejects.toThrow(
      /0002_t_key\.sql failed at statement 1 of 1 .*could not create unique index.*is duplicated/,
    );
    // the interrupted build left the index behind, INVALID: IF NOT EXISTS alone would now skip it
    expect(await indexState(db, 't_a_key')).toBe('invalid');
    expect(await recorded(db)).toEqual(['0001_t.sql']);
    await db.exec('DELETE FROM t WHERE id > 7');
    const logs: string[] = [];
    const second = await migrate(db, d, { ...fast, log: (m, f) => logs.push(`${m} ${JSON.stringify(f)}`) });
    expect(second.applied).toEqual(['0002_t_key.sql']);
    expect(await indexState(db, 't_a_key')).toBe('valid');
    expect(logs.some((l) => l.includes('dropping an invalid index') && l.includes('t_a_key'))).toBe(true);
  });

  it('rolls a failed transactional migration back, naming it', async () => {
    const { db } = await fresh(kind, cleanup);
    const d = dir({ '0001_t.sql': TABLE, '0002_bad.sql': 'CREATE TABLE u (x int);\nSELECT 1 / 0;\n' });
    await expect(migrate(db, d, fast)).rejects.toThrow(
      /^Migration 0002_bad\.sql failed \(rolled back, not recorded\)/,
    );
    const u = await db.query("SELECT 1 FROM information_schema.tables WHERE table_name = 'u'");
    expect(u.rowCount).toBe(0);
    expect(await recorded(db)).toEqual(['0001_t.sql']);
  });

  it('accepts a changed file only for the checksums it lists', async () => {
    const { db } = await fresh(kind, cleanup);
    const v1 = 'CREATE TABLE u (x int);\n';
    const d = dir({ '0001_u.sql': v1 });
    await migrate(db, d, fast);
    writeFileSync(
      join(d, '0001_u.sql'),
      `-- migrate:accepts-checksum ${sha256Hex(v1)}\nCREATE TABLE IF NOT EXISTS u (x int);\n`,
    );
    expect((await migrate(db, d, fast)).applied).toEqual([]);
    writeFileSync(
      join(d, '0001_u.sql'),
      `-- migrate:accepts-checksum ${'0'.repeat(64)}\nCREATE TABLE IF NOT EXISTS u (x int);\n`,
    );
    await expect(migrate(db, d, fast)).rejects.toThrow(/0001_u\.sql was changed after it was applied/);
  });

  it('skips a migration whose only-if query is false without recording it, and applies it once it is true', async () => {
    const { db } = await fresh(kind, cleanup);
    const d = dir({
      '0001_flag.sql': 'CREATE TABLE flag (on_ boolean);\nINSERT INTO flag VALUES (false);\n',
      '0002_when.sql':
        '-- migrate:no-transaction\n-- migrate:only-if SELECT on_ FROM flag\nCREATE TABLE IF NOT EXISTS later (x int);\n',
    });
    const first = await migrate(db, d, fast);
    expect(first).toMatchObject({ applied: ['0001_flag.sql'], skipped: ['0002_when.sql'] });
    await db.exec('UPDATE flag SET on_ = true');
    expect((await migrate(db, d, fast)).applied).toEqual(['0002_when.sql']);
  });

  it('lets only one of two concurrent runners apply the migrations', async () => {
    const { db, other } = await fresh(kind, cleanup);
    const d = dir({
      '0001_t.sql': TABLE,
      '0002_t_idx.sql': CONCURRENT,
      '0003_u.sql': 'CREATE TABLE u (x int);\n',
    });
    // PostgreSQL: two Dbs (two connections, as two Lambda invocations); PGlite: one Db, one session
    const second = other ? other() : db;
    const [a, b] = await Promise.all([migrate(db, d, fast), migrate(second, d, fast)]);
    const counts = [a.applied.length, b.applied.length].sort();
    expect(counts).toEqual([0, 3]);
    expect(await recorded(db)).toEqual(['0001_t.sql', '0002_t_idx.sql', '0003_u.sql']);
  });
});

describe.runIf(process.env.DATABASE_URL)('migration lock on PostgreSQL', () => {
  const cleanup: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const c of cleanup.splice(0)) await c();
  });

  /** A separate session holding the runners' advisory lock until `release`. */
  async function holdLock(url: string) {
    const c = new pg.Client({ connectionString: url, application_name: 'lock-holder-test' });
    await c.connect();
    await c.query(`SELECT pg_advisory_lock(${LOCK_KEY})`);
    return {
      release: async () => {
        await c.query(`SELECT pg_advisory_unlock(${LOCK_KEY})`);
        await c.end();
      },
    };
  }

  async function lockIsFree(url: string): Promise<boolean> {
    const c = new pg.Client({ connectionString: url });
    await c.connect();
    try {
      const r = await c.query<{ ok: boolean }>(`SELECT pg_try_advisory_lock(${LOCK_KEY}) AS ok`);
      if (r.rows[0]?.ok) await c.query(`SELECT pg_advisory_unlock(${LOCK_KEY})`);
      return r.rows[0]?.ok === true;
    } finally {
      await c.end();
    }
  }

  it('makes both runners wait for the lock, then exactly one applies while the other polls (no deadlock with CONCURRENTLY)', async () => {
    const { db, other, url } = await fresh('pg', cleanup);
    const d = dir({ '0001_t.sql': TABLE, '0002_t_idx.sql': CONCURRENT });
    const holder = await holdLock(url!);
    let waitA!: () => void;
    let waitB!: () => void;
    const waitingA = new Promise<void>((r) => (waitA = r));
    const waitingB = new Promise<void>((r) => (waitB = r));
    const a = migrate(db, d, { ...fast, onLockWait: waitA });
    const b = migrate(other!(), d, { ...fast, onLockWait: waitB });
    await Promise.all([waitingA, waitingB]);
    // nothing can have been applied while the lock is held elsewhere
    const t = await db.query("SELECT 1 FROM information_schema.tables WHERE table_name = 't'");
    expect(t.rowCount).toBe(0);
    await holder.release();
    const [ra, rb] = await Promise.all([a, b]);
    expect([ra.applied.length, rb.applied.length].sort()).toEqual([0, 2]);
    expect(await lockIsFree(url!)).toBe(true);
  });

  it('gives up after lockTimeoutMs, naming the session that holds the lock', async () => {
    const { db, url } = await fresh('pg', cleanup);
    const holder = await holdLock(url!);
    try {
      await expect(migrate(db, dir({ '0001_t.sql': TABLE }), { ...fast, lockTimeoutMs: 0 })).rejects.toThrow(
        /held the migration lock .*pid \d+ \(lock-holder-test/,
      );
    } finally {
      await holder.release();
    }
  });

  it('releases the lock after a failed run as after a successful one', async () => {
    const { db, url } = await fresh('pg', cleanup);
    await expect(migrate(db, dir({ '0001_bad.sql': 'SELECT 1 / 0;\n' }), fast)).rejects.toThrow(/0001_bad/);
    expect(await lockIsFree(url!)).toBe(true);
    await migrate(db, dir({ '0001_t.sql': TABLE }), fast);
    expect(await lockIsFree(url!)).toBe(true);
  });

  it('runs migrations without the request path statement_timeout, under its own when given', async () => {
    const { db } = await fresh('pg', cleanup); // the Db's statement_timeout is 200 ms
    const slow = 'CREATE TABLE s (x int);\nSELECT pg_sleep(0.5);\n';
    await expect(db.query('SELECT pg_sleep(0.5)')).rejects.toThrow(/statement timeout/);
    expect((await migrate(db, dir({ '0001_s.sql': slow }), fast)).applied).toEqual(['0001_s.sql']);
    await expect(
      migrate(db, dir({ '0001_s.sql': slow, '0002_s.sql': slow.replace(' s ', ' s2 ') }), {
        ...fast,
        statementTimeoutMs: 100,
      }),
    ).rejects.toThrow(/0002_s\.sql failed .*statement timeout/);
  });
});

describe.each(dbTargets())('0011/0014 on %s: the org-leading full-text index built CONCURRENTLY', (kind) => {
  const cleanup: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const c of cleanup.splice(0)) await c();
  });
  const v1 = readFileSync(join(import.meta.dirname, 'fixtures/0011_decisions_org_search_idx.v1.sql'), 'utf8');

  it('keeps a database that applied the first 0011 valid: its checksum is accepted, 0014 is a no-op there', async () => {
    expect(sha256Hex(v1)).toBe('f3f3fc914447a2934df8307b5a5b462e70ea145ae8a1ae6c26b389d4e6284c68');
    const { db } = await fresh(kind, cleanup);
    // the migrations as they were: up to 0011 in its first version
    const before = mkdtempSync(join(tmpdir(), 'migr-'));
    cpSync(defaultMigrationsDir(), before, { recursive: true });
    rmSync(join(before, '0014_decisions_org_search_idx_concurrently.sql'));
    writeFileSync(join(before, '0011_decisions_org_search_idx.sql'), v1);
    await migrate(db, before, fast);
    expect(await indexState(db, 'decisions_org_search_tsv_idx')).toBe('valid');
    const now = await migrate(db, undefined, fast);
    expect(now.applied).toEqual(['0014_decisions_org_search_idx_concurrently.sql']);
    expect(await indexState(db, 'decisions_org_search_tsv_idx')).toBe('valid');
    expect(await indexState(db, 'decisions_search_tsv_idx')).toBe('missing');
    const rec = await db.query<{ checksum: string }>(
      "SELECT checksum FROM schema_migrations WHERE version = '0011'",
    );
    expect(rec.rows[0]?.checksum).toBe(sha256Hex(v1));
  });
});

describe('0011/0014 without btree_gin', () => {
  it('keeps the plain full-text index and skips 0014 (tried again on later runs)', async () => {
    // a PGlite without the btree_gin bundle stands in for a server without the contrib package
    const db = await createPgliteDb({ btreeGin: false });
    try {
      const report = await migrate(db, undefined, fast);
      expect(report.skipped).toContain('0014_decisions_org_search_idx_concurrently.sql');
      expect(report.applied).toContain('0011_decisions_org_search_idx.sql');
      expect(await indexState(db, 'decisions_search_tsv_idx')).toBe('valid');
      expect(await indexState(db, 'decisions_org_search_tsv_idx')).toBe('missing');
      // 0012: the plain index that stays keeps no pending list either
      const opts = await db.query<{ reloptions: string[] | null }>(
        "SELECT reloptions FROM pg_class WHERE relname = 'decisions_search_tsv_idx'",
      );
      expect(opts.rows[0]?.reloptions).toContain('fastupdate=off');
      const ext = await db.query("SELECT 1 FROM pg_extension WHERE extname = 'btree_gin'");
      expect(ext.rowCount).toBe(0);
      expect((await migrate(db, undefined, fast)).skipped).toContain(
        '0014_decisions_org_search_idx_concurrently.sql',
      );
    } finally {
      await db.close();
    }
  });
});
