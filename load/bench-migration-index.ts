/**
 * What building the org-leading full-text index does to writes: `npx tsx load/bench-migration-index.ts` on the
 * PostgreSQL named by DATABASE_URL (default postgres://postgres@127.0.0.1:5432/test; a throw-away database
 * `concurrent_index_bench_…` is created and dropped). BENCH_MIGRATION_ROWS (default 500000) decisions in one
 * org plus 10% in another (load/keyword-corpus.ts), migrated up to 0013 (the plain full-text index of 0001).
 *
 * While a writer inserts one decision after another on its own connection, the index is built twice:
 *   A. as the first version of 0011 did: CREATE INDEX + DROP INDEX inside one transaction;
 *   B. through `migrate()` applying 0014: CREATE INDEX CONCURRENTLY + DROP INDEX CONCURRENTLY, no transaction.
 * Prints each build's time and the writer's inserts during it (count, P50, max). The load average before and
 * after shows how busy the machine was. Asserts nothing.
 */
import './bench-env';
import { randomBytes } from 'node:crypto';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { defaultMigrationsDir, migrate } from '../layers/core/src/db/migrate';
import { createPgDb } from '../layers/core/src/db/pg';
import { adminQuery } from '../test/support/db';
import { SEED_DECISIONS_SQL, seedKeywordOrgs } from './keyword-corpus';
import { percentile } from './stats';

const server = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const ROWS = Number(process.env.BENCH_MIGRATION_ROWS ?? 500_000);
const name = `concurrent_index_bench_${randomBytes(4).toString('hex')}`;
const INDEX_0014 = '0014_decisions_org_search_idx_concurrently.sql';

const admin = (sql: string) => adminQuery(server, sql);

const load = () =>
  loadavg()
    .map((x) => x.toFixed(2))
    .join(' ');

/** Inserts one decision at a time until stopped; the latency of each insert, by the time it started. */
function writer(url: string, orgId: string, userId: string) {
  const client = new pg.Client({ connectionString: url });
  const samples: Array<{ at: number; ms: number }> = [];
  let stop = false;
  const done = (async () => {
    await client.connect();
    let i = 10_000_000;
    while (!stop) {
      const at = performance.now();
      await client.query(SEED_DECISIONS_SQL, [orgId, userId, i, i]);
      samples.push({ at, ms: performance.now() - at });
      i++;
    }
    await client.end();
  })();
  return {
    /** Inserts that overlapped [from, to): one blocked by the build counts with its whole wait. */
    during: (from: number, to: number) =>
      samples.filter((s) => s.at < to && s.at + s.ms > from).map((s) => s.ms),
    stop: async () => {
      stop = true;
      await done;
    },
  };
}

async function main(): Promise<void> {
  console.log(`# load average before: ${load()} (${ROWS} + ${ROWS / 10} rows)`);
  await admin(`CREATE DATABASE ${name}`);
  const url = new URL(server);
  url.pathname = `/${name}`;
  const db = createPgDb({
    connectionString: url.toString(),
    poolMax: 2,
    statementTimeoutMs: 600_000,
    connectTimeoutMs: 5_000,
  });
  try {
    const upTo13 = mkdtempSync(join(tmpdir(), 'migr-'));
    cpSync(defaultMigrationsDir(), upTo13, { recursive: true });
    rmSync(join(upTo13, INDEX_0014));
    await migrate(db, upTo13);
    const seeded = performance.now();
    const { other } = await seedKeywordOrgs(db, ROWS);
    await db.exec('VACUUM ANALYZE decisions');
    console.log(`# seeded in ${Math.round((performance.now() - seeded) / 1000)} s`);

    const w = writer(url.toString(), other.orgId, other.userId);
    const report = (label: string, from: number, to: number) => {
      const ms = w.during(from, to);
      console.log(
        `${label}: build ${((to - from) / 1000).toFixed(1)} s; writer: ${ms.length} inserts, ` +
          `P50 ${percentile(ms, 50).toFixed(1)} ms, max ${Math.max(...ms).toFixed(0)} ms`,
      );
    };
    // a quiet second first: the writer's own baseline
    const base = performance.now();
    await new Promise((r) => setTimeout(r, 2_000));
    report('baseline (no build, 2 s)', base, performance.now());

    const a = performance.now();
    await db.transaction(async (tx) => {
      await tx.exec(
        'CREATE INDEX decisions_org_search_tsv_idx ON decisions USING gin (org_id, search_tsv); DROP INDEX decisions_search_tsv_idx',
      );
    });
    const aEnd = performance.now();
    await new Promise((r) => setTimeout(r, 500)); // the insert blocked behind the build completes
    report('A. in one transaction (0011 v1)', a, aEnd);

    await db.exec('DROP INDEX decisions_org_search_tsv_idx');
    await db.exec('CREATE INDEX decisions_search_tsv_idx ON decisions USING gin (search_tsv)');
    await db.exec('VACUUM ANALYZE decisions');

    const b = performance.now();
    const r = await migrate(db);
    const bEnd = performance.now();
    await w.stop(); // lets an insert still blocked at the end finish, so it is counted
    report(`B. CONCURRENTLY through migrate() (${r.applied.join(',')})`, b, bEnd);
  } finally {
    await db.close();
    await admin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    console.log(`# load average after: ${load()}`);
  }
}

await main();
