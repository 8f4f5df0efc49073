import { cpSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultMigrationsDir, migrate, readMigrations } from '#core/db/migrate';
import { createTestDb, dbTargets, type TestDb } from '../../support/db';
import { createOrg, insertDecision } from '../cache/seed';

describe.each(dbTargets())('migrations on %s', (kind) => {
  let t: TestDb;
  beforeAll(async () => {
    t = await createTestDb(kind); // applies every migration once
  });
  afterAll(() => t?.dispose());

  it('records every applicable migration once and is a no-op the second time', async () => {
    const files = await readMigrations();
    const caps = await t.db.capabilities();
    const recorded = await t.db.query<{ name: string }>(
      'SELECT name FROM schema_migrations ORDER BY version',
    );
    const expected = files.filter((f) => caps.vector || !f.requiresVector).map((f) => f.name);
    expect(recorded.rows.map((r) => r.name)).toEqual(expected);
    const again = await migrate(t.db);
    expect(again.applied).toEqual([]);
  });

  it('creates the tables, the keyset index and the full-text column', async () => {
    const tables = await t.db.query<{ table_name: string }>(
      "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY 1",
    );
    expect(tables.rows.map((r) => r.table_name)).toEqual(
      expect.arrayContaining(['orgs', 'users', 'decisions', 'company_metrics', 'schema_migrations']),
    );
    // jobs point to their decision: the result copies' table is gone (0008)
    expect(tables.rows.map((r) => r.table_name)).not.toContain('job_results');
    const idx = await t.db.query<{ indexdef: string }>(
      "SELECT indexdef FROM pg_indexes WHERE tablename = 'decisions' AND indexname = 'decisions_keyset_idx'",
    );
    expect(idx.rows[0]?.indexdef).toMatch(/org_id, user_id, created_at DESC, decision_id DESC/);
    // the full-text index: org-leading where btree_gin exists (0014), the plain one of 0001 elsewhere
    const gin = await t.db.query(
      "SELECT 1 FROM pg_indexes WHERE indexname IN ('decisions_search_tsv_idx', 'decisions_org_search_tsv_idx')",
    );
    expect(gin.rowCount).toBe(1);
  });

  it('detects pgvector and applies vector migrations only where it exists', async () => {
    const caps = await t.db.capabilities();
    // PGlite bundles pgvector; Debian's PostgreSQL 15 has no package for it.
    if (kind === 'pglite') expect(caps.vector).toBe(true);
    const col = await t.db.query(
      "SELECT 1 FROM information_schema.columns WHERE table_name = 'decisions' AND column_name = 'embedding'",
    );
    expect(col.rowCount).toBe(caps.vector ? 1 : 0);
    // one HNSW index on decisions: 0013's (built CONCURRENTLY next to 0002's, which it then dropped)
    const hnsw = await t.db.query<{ indexname: string; indexdef: string }>(
      "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'decisions' AND indexdef LIKE '%USING hnsw%'",
    );
    if (caps.vector) {
      // 0013: rebuilt with a wider build breadth, and searched with ef_search 400 (docs/search.md)
      expect(hnsw.rows.map((r) => r.indexname)).toEqual(['decisions_embedding_hnsw_ef128_idx']);
      expect(hnsw.rows[0]?.indexdef).toMatch(
        /USING hnsw \(embedding vector_cosine_ops\) WITH \(m='16', ef_construction='128'\)/,
      );
      const ef = await t.db.query<{ ef: string }>("SELECT current_setting('hnsw.ef_search') AS ef");
      expect(ef.rows[0]?.ef).toBe('400');
    } else expect(hnsw.rowCount).toBe(0);
  });

  it('adds the org-leading full-text index where btree_gin exists (PGlite bundles it, Debian has it in contrib), valid', async () => {
    const ext = await t.db.query("SELECT 1 FROM pg_extension WHERE extname = 'btree_gin'");
    expect(ext.rowCount).toBe(1);
    const idx = await t.db.query<{ indexdef: string }>(
      "SELECT indexdef FROM pg_indexes WHERE indexname = 'decisions_org_search_tsv_idx'",
    );
    expect(idx.rows[0]?.indexdef).toMatch(/USING gin \(org_id, search_tsv\)/);
    const valid = await t.db.query<{ valid: boolean }>(
      "SELECT indisvalid AS valid FROM pg_index WHERE indexrelid = 'decisions_org_search_tsv_idx'::regclass",
    );
    expect(valid.rows[0]?.valid).toBe(true); // built CONCURRENTLY (0014): a failed build would leave it invalid
    const plain = await t.db.query("SELECT 1 FROM pg_indexes WHERE indexname = 'decisions_search_tsv_idx'");
    expect(plain.rowCount).toBe(0);
    const fn = await t.db.query("SELECT 1 FROM pg_proc WHERE proname = 'decision_keyword_ids'");
    expect(fn.rowCount).toBe(1);
  });

  it('keeps no GIN pending list on the full-text index: a new decision goes straight into it (0012)', async () => {
    const idx = await t.db.query<{ relname: string; reloptions: string[] | null }>(
      `SELECT c.relname, c.reloptions FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
         JOIN pg_am am ON am.oid = c.relam
        WHERE i.indrelid = 'decisions'::regclass AND am.amname = 'gin'`,
    );
    expect(idx.rows).toHaveLength(1);
    expect(idx.rows[0]?.reloptions).toContain('fastupdate=off');
    if (kind !== 'pg') return; // pgstattuple (contrib) reads the list; PGlite does not bundle it
    await t.db.exec('CREATE EXTENSION IF NOT EXISTS pgstattuple');
    const org = await createOrg(t.db, 'Pending');
    await insertDecision(t.db, {
      ...org,
      query: 'Should we open a pending-list office?',
      recommendation: 'No.',
    });
    const gin = await t.db.query<{ pending_tuples: string }>(
      'SELECT pending_tuples::text FROM pgstatginindex($1::regclass)',
      [idx.rows[0]?.relname ?? ''],
    );
    expect(gin.rows[0]?.pending_tuples).toBe('0');
    const found = await t.db.query(
      "SELECT 1 FROM decisions WHERE org_id = $1 AND search_tsv @@ to_tsquery('english', 'office')",
      [org.orgId],
    );
    expect(found.rowCount).toBe(1);
  });

  it('refuses to run when an applied migration file was changed', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'migr-'));
    cpSync(defaultMigrationsDir(), dir, { recursive: true });
    writeFileSync(join(dir, '0001_core.sql'), '-- edited after the fact\nSELECT 1;\n');
    await expect(migrate(t.db, dir)).rejects.toThrow(/changed after it was applied/);
  });
});
