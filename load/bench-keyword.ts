/**
 * Keyword half of decision search at scale: `npx tsx load/bench-keyword.ts` on the PostgreSQL named by
 * DATABASE_URL (default postgres://postgres@127.0.0.1:5432/test; a throw-away database is created, migrated,
 * seeded and dropped). BENCH_KEYWORD_ROWS (default 1000000) decisions in ONE org (the worst case: every row
 * is a candidate) plus 10% in another org whose rows sit at the end of the table, generated set-based in SQL
 * from a skewed vocabulary (load/keyword-corpus.ts). BENCH_KEYWORD_SAMPLES=0 only seeds and keeps the
 * database (it prints its name); BENCH_KEYWORD_DB=<name> runs on such a kept database (not dropped).
 *
 * Prints, sequential and uncached: P50/P95/P99 (ms) of the search route's keyword side (`searchDecisions`
 * in keyword mode — this PostgreSQL has no pgvector) and of the `past_decisions` skill's search, for both
 * orgs; the previous candidate statement (pair query, for reference); and per question, how many of the
 * top 10 carry the exhaustive ranking's score at that position (every matching decision ranked, no cap).
 * A CPU calibration figure (count over a 1M-row generate_series) before and after shows how busy the
 * machine was. Asserts nothing.
 */
import './bench-env';
import { loadavg } from 'node:os';
import pg from 'pg';
import { migrate } from '../layers/core/src/db/migrate';
import { createPgDb } from '../layers/core/src/db/pg';
import type { Db } from '../layers/core/src/db/types';
import { OfflineEmbeddings } from '../layers/core/src/embeddings/offline';
import { anyWordTsQuery, keywordCandidates, queryWords } from '../layers/core/src/retrieval/keyword';
import { searchDecisions } from '../layers/core/src/retrieval/search';
import { searchPastDecisions } from '../layers/core/src/skills/builtin/past-decisions';
import { createTestDb, type TestDb } from '../test/support/db';
import { seedKeywordOrgs } from './keyword-corpus';
import { summary } from './stats';

process.env.DATABASE_URL ??= 'postgres://postgres@127.0.0.1:5432/test';
const ROWS = Number(process.env.BENCH_KEYWORD_ROWS ?? 1_000_000);
const N = Number(process.env.BENCH_KEYWORD_SAMPLES ?? 240);
const ONLY_SEED = process.env.BENCH_KEYWORD_SAMPLES === '0';
const REUSE = process.env.BENCH_KEYWORD_DB;

const QUERIES = [
  'expanding into new markets overseas',
  'Should we raise prices for enterprise customers in Germany?',
  'hiring senior engineers in Poland',
  'cut the marketing budget',
  'should we open a new office',
  'What are the risks of acquiring a competitor in Brazil next year?',
  'cloud migration costs',
  'Should we launch a free tier for small businesses?',
  'loyalty programme for hospitals in Kenya',
  // words of four different actions: no decision holds two of them
  'payroll flagship conference currency',
  '"staged pilot" -germany',
  'churn',
];

async function open(): Promise<{ db: Db; url: string; dispose: () => Promise<void> }> {
  if (REUSE) {
    const u = new URL(process.env.DATABASE_URL!);
    u.pathname = `/${REUSE}`;
    const db = createPgDb({
      connectionString: u.toString(),
      poolMax: 4,
      statementTimeoutMs: 10_000,
      connectTimeoutMs: 5_000,
    });
    await migrate(db);
    return { db, url: u.toString(), dispose: () => db.close() };
  }
  const t: TestDb = await createTestDb('pg');
  return { db: t.db, url: t.url!, dispose: ONLY_SEED ? () => t.db.close() : t.dispose };
}

async function seedOrgs(db: Db): Promise<void> {
  const started = performance.now();
  await seedKeywordOrgs(db, ROWS);
  await db.exec('ANALYZE decisions');
  console.log(`# seeded in ${Math.round((performance.now() - started) / 1000)} s`);
}

/** The previous keyword.ts candidate statement (pairs of words, capped, any plan), for reference. */
function previousStatement(db: Db, orgId: string, q: string) {
  const { words, exclude } = queryWords(q);
  const anyQuery = anyWordTsQuery(q);
  const not = exclude.map((w) => ` & !${w}`).join('');
  const first = words.slice(0, 8);
  const pairs = first.flatMap((a, i) => first.slice(i + 1).map((b) => `(${a} & ${b})`));
  const candidate = words.length >= 3 ? `(${pairs.join(' | ')})${not}` : anyQuery;
  return db.query(
    `WITH anyq AS (SELECT decision_id FROM decisions WHERE org_id = $1 AND search_tsv @@ to_tsquery('english', $3) LIMIT 200),
          allq AS (SELECT decision_id FROM decisions WHERE org_id = $1 AND search_tsv @@ websearch_to_tsquery('english', $2) LIMIT 200)
     SELECT decision_id, ts_rank_cd(search_tsv, to_tsquery('english', $4)) AS rank FROM decisions
      WHERE org_id = $1 AND decision_id IN (SELECT decision_id FROM anyq UNION SELECT decision_id FROM allq)
      ORDER BY rank DESC LIMIT 10`,
    [orgId, q, candidate, anyQuery],
  );
}

/** Every matching decision of the org ranked by the same score, no cap: the reference for quality. */
async function exhaustiveScores(client: pg.Client, orgId: string, q: string): Promise<number[]> {
  const { words } = queryWords(q);
  const r = await client.query<{ score: number }>(
    `WITH terms AS (SELECT coalesce(array_agg(DISTINCT x.q), '{}') AS qs
                      FROM (SELECT to_tsquery('english', w) AS q FROM unnest($3::text[]) AS w) x WHERE x.q::text <> '')
     SELECT (matched + rank / (1 + rank))::float8 AS score FROM (
       SELECT (SELECT count(*) FROM terms, unnest(terms.qs) AS t WHERE search_tsv @@ t) AS matched,
              ts_rank_cd(search_tsv, to_tsquery('english', $2)) AS rank
         FROM decisions
        WHERE org_id = $1 AND (search_tsv @@ to_tsquery('english', $2) OR search_tsv @@ websearch_to_tsquery('english', $4))
     ) c WHERE matched >= $5 ORDER BY score DESC LIMIT 10`,
    [orgId, anyWordTsQuery(q), words, q, words.length >= 3 ? 2 : 1],
  );
  return r.rows.map((x) => Number(x.score));
}

async function calibrate(db: Db): Promise<number> {
  const t = performance.now();
  await db.query('SELECT count(*) FROM generate_series(1, 1000000)');
  return Math.round(performance.now() - t);
}

/** The full-text GIN index's pending list (migration 0012 keeps it empty), via pgstattuple where it exists. */
async function pendingList(db: Db): Promise<string> {
  try {
    await db.exec('CREATE EXTENSION IF NOT EXISTS pgstattuple');
    const r = await db.query<{ name: string; pages: number; tuples: number; fastupdate: string | null }>(
      `SELECT c.relname AS name, s.pending_pages AS pages, s.pending_tuples::int AS tuples,
              array_to_string(c.reloptions, ',') AS fastupdate
         FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_am am ON am.oid = c.relam,
              LATERAL pgstatginindex(c.oid) s
        WHERE i.indrelid = 'decisions'::regclass AND am.amname = 'gin'`,
    );
    return r.rows
      .map(
        (x) => `${x.name} (${x.fastupdate || 'fastupdate=on'}): ${x.pages} pending pages, ${x.tuples} tuples`,
      )
      .join('; ');
  } catch (e) {
    return `unknown (${(e as Error).message})`;
  }
}

async function time(label: string, fn: (i: number) => Promise<unknown>, n = N) {
  for (let i = 0; i < QUERIES.length; i++) await fn(i);
  const samples: number[] = [];
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    await fn(i);
    samples.push(performance.now() - t);
  }
  const s = summary(samples);
  console.log(`| ${label} | ${s.p50} | ${s.p95} | ${s.p99} | ${s.n} |`);
}

const { db, url, dispose } = await open();
try {
  if (!REUSE) await seedOrgs(db);
  const orgs = (
    await db.query<{ org_id: string; n: number }>(
      'SELECT org_id, count(*)::int AS n FROM decisions GROUP BY org_id ORDER BY n DESC',
    )
  ).rows;
  const version = (await db.query<{ v: string }>("SELECT current_setting('server_version') AS v")).rows[0]?.v;
  console.log(
    `# keyword search on PostgreSQL ${version}: ${orgs.map((o) => o.n).join(' + ')} decisions in ${orgs.length} orgs; sequential, no cache; database ${new URL(url).pathname.slice(1)}`,
  );
  if (ONLY_SEED) process.exit(0);
  console.log(`# GIN pending list: ${await pendingList(db)}`);
  const load = () => loadavg()[0]!.toFixed(1);
  console.log(
    `# calibration before: ${await calibrate(db)} ms (count over generate_series(1, 1e6)); load ${load()}`,
  );
  console.log('| path | P50 ms | P95 ms | P99 ms | n |');
  console.log('| --- | ---: | ---: | ---: | ---: |');
  const embeddings = new OfflineEmbeddings();
  const q = (i: number) => QUERIES[i % QUERIES.length]!;
  for (const [label, o] of [
    ['big org', orgs[0]!],
    ['other org', orgs[1]!],
  ] as const) {
    await time(`${label}: GET /decisions/search core, \`searchDecisions\` (keyword mode), k=10`, (i) =>
      searchDecisions(db, embeddings, { orgId: o.org_id, q: q(i), k: 10 }),
    );
    await time(`${label}: \`past_decisions\` skill search (limit 5)`, (i) =>
      searchPastDecisions({ query: q(i), limit: 5 }, { db, orgId: o.org_id }),
    );
  }
  await time(
    'big org: before — the previous candidate statement (pairs of words)',
    (i) => previousStatement(db, orgs[0]!.org_id, q(i)),
    Math.min(N, 48),
  );
  console.log(`# calibration after: ${await calibrate(db)} ms; load ${load()}`);

  console.log(
    '\n| question (big org) | ms (median of 5) | top-10 positions matching as many words as the exhaustive ranking | … with its exact score |',
  );
  console.log('| --- | ---: | ---: | ---: |');
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    for (const text of QUERIES) {
      const ms: number[] = [];
      let got: number[] = [];
      for (let i = 0; i < 5; i++) {
        const t = performance.now();
        got = (await keywordCandidates(db, { orgId: orgs[0]!.org_id, q: text }, 10)).map((r) =>
          Number(r.score),
        );
        ms.push(performance.now() - t);
      }
      const want = await exhaustiveScores(client, orgs[0]!.org_id, text);
      const words = want.filter(
        (w, i) => got[i] !== undefined && Math.floor(got[i]!) === Math.floor(w),
      ).length;
      const same = want.filter((w, i) => got[i] !== undefined && Math.abs(got[i]! - w) < 1e-6).length;
      const of = `/ ${want.length}`;
      console.log(
        `| ${text} | ${ms.sort((a, b) => a - b)[2]!.toFixed(1)} | ${words} ${of} | ${same} ${of} |`,
      );
    }
  } finally {
    await client.end();
  }
} finally {
  await dispose();
}
