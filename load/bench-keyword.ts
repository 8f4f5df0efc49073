/**
 * Keyword half of decision search at scale: `npx tsx load/bench-keyword.ts` on the PostgreSQL named by
 * DATABASE_URL (default postgres://postgres@127.0.0.1:5432/test; a throw-away database is created and dropped).
 * BENCH_KEYWORD_ROWS (default 200000) decisions in ONE org (the worst case: every row is a candidate) plus
 * 10% in another, generated in SQL. Prints P50/P95/P99 (ms), sequential, for the search route's keyword
 * side (`searchDecisions` in keyword mode — this PostgreSQL has no pgvector), the `past_decisions` skill's
 * search, and, for reference, the previous uncapped any-word query that ranked every match. Asserts nothing.
 */
import './bench-env';
import { randomUUID } from 'node:crypto';
import { OfflineEmbeddings } from '../layers/core/src/embeddings/offline';
import { createOrg, createUser } from '../layers/core/src/orgs/users';
import { searchDecisions } from '../layers/core/src/retrieval/search';
import { searchPastDecisions, toAnyWordQuery } from '../layers/core/src/skills/builtin/past-decisions';
import { createTestDb } from '../test/support/db';
import { SEED_DECISIONS_SQL } from './keyword-corpus';
import { summary } from './stats';

process.env.DATABASE_URL ??= 'postgres://postgres@127.0.0.1:5432/test';
const ROWS = Number(process.env.BENCH_KEYWORD_ROWS ?? 200_000);
const N = Number(process.env.BENCH_KEYWORD_SAMPLES ?? 200);
const ONLY_SEED = process.env.BENCH_KEYWORD_SAMPLES === '0';

const QUERIES = [
  'expanding into new markets overseas',
  'Should we raise prices for enterprise customers in Germany?',
  'hiring senior engineers in Poland',
  'cut the marketing budget',
  'should we open a new office',
  'What are the risks of acquiring a competitor in Brazil next year?',
  'cloud migration costs',
  'Should we launch a free tier for small businesses?',
];

async function time(label: string, fn: (i: number) => Promise<unknown>, n = N) {
  for (let i = 0; i < 10; i++) await fn(i);
  const samples: number[] = [];
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    await fn(i);
    samples.push(performance.now() - t);
  }
  const s = summary(samples);
  console.log(`| ${label} | ${s.p50} | ${s.p95} | ${s.p99} | ${s.n} |`);
}

const t = await createTestDb('pg');
try {
  const org = randomUUID();
  const other = randomUUID();
  const user = randomUUID();
  const otherUser = randomUUID();
  await createOrg(t.db, { orgId: org, name: 'big' });
  await createOrg(t.db, { orgId: other, name: 'other' });
  await createUser(t.db, { orgId: org, userId: user, email: `${user}@x.test`, passwordHash: 'x' });
  await createUser(t.db, {
    orgId: other,
    userId: otherUser,
    email: `${otherUser}@x.test`,
    passwordHash: 'x',
  });
  const started = performance.now();
  const seed = async (orgId: string, userId: string, rows: number) => {
    for (let from = 1; from <= rows; from += 20_000) {
      await t.db.query(SEED_DECISIONS_SQL, [orgId, userId, from, Math.min(rows, from + 19_999)]);
    }
  };
  await seed(org, user, ROWS);
  await seed(other, otherUser, Math.round(ROWS / 10));
  await t.db.exec('ANALYZE decisions');
  console.log(
    `# keyword search on PostgreSQL ${(await t.db.query<{ v: string }>("SELECT current_setting('server_version') AS v")).rows[0]?.v}: ${ROWS} decisions in one org (+${Math.round(ROWS / 10)} in another), seeded in ${Math.round((performance.now() - started) / 1000)} s; sequential, no cache`,
  );
  if (ONLY_SEED) {
    const name = (await t.db.query<{ d: string }>('SELECT current_database() AS d')).rows[0]?.d;
    console.log(`seeded database ${name}, org ${org}`);
    process.exit(0);
  }
  console.log('| path | P50 ms | P95 ms | P99 ms | n |');
  console.log('| --- | ---: | ---: | ---: | ---: |');
  const embeddings = new OfflineEmbeddings();
  const q = (i: number) => QUERIES[i % QUERIES.length]!;
  await time('GET /decisions/search core: `searchDecisions` (keyword mode), k=10', (i) =>
    searchDecisions(t.db, embeddings, { orgId: org, q: q(i), k: 10 }),
  );
  await time('`past_decisions` skill search (limit 5)', (i) =>
    searchPastDecisions({ query: q(i), limit: 5 }, { db: t.db, orgId: org }),
  );
  await time(
    'before: any-word query ranking every match (uncapped)',
    (i) =>
      t.db.query(
        `SELECT decision_id, ts_rank(search_tsv, q) AS rank
           FROM decisions, websearch_to_tsquery('english', $2) AS q
          WHERE org_id = $1 AND search_tsv @@ q
          ORDER BY rank DESC, created_at DESC, decision_id LIMIT 5`,
        [org, toAnyWordQuery(q(i))],
      ),
    Math.min(N, 40),
  );
} finally {
  await t.dispose();
}
