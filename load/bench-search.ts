/**
 * Decision search benchmark: `npx tsx load/bench-search.ts` (PGlite + pgvector; DATABASE_URL → that PostgreSQL)
 *
 * One org with BENCH_SEARCH_ROWS (default 1000) decisions, each embedded (offline embedder), plus another org
 * of the same size. Prints P50/P95/P99 (ms), sequential, for: the hybrid search itself (`searchDecisions`:
 * embed + HNSW top-N + GIN top-N + fusion), the decision-set version query, the route's core
 * (`searchOrgDecisions`: version + cache) on a miss and on an L1 hit, and GET /api/v1/decisions/search over
 * the local runtime (JWT, middy chain, HTTP) on misses and hits. No L2 (CACHE_L2=none): `bench-cache.ts`
 * measures Redis. Asserts nothing.
 */
import './bench-env';
import { startLocalServer } from '../bin/local/server';
import { createCacheStack, loadCacheConfig } from '../layers/core/src/cache';
import { getConfig } from '../layers/core/src/config';
import type { Db } from '../layers/core/src/db/types';
import { decisionEmbeddingText } from '../layers/core/src/decisions/embedding';
import { decisionsVersion, insertDecisions } from '../layers/core/src/decisions/store';
import { OfflineEmbeddings } from '../layers/core/src/embeddings/offline';
import { toPgVector } from '../layers/core/src/embeddings/vector';
import { DEFAULT_RETRIEVAL_CONFIG } from '../layers/core/src/retrieval/config';
import { searchOrgDecisions } from '../layers/core/src/retrieval/org-search';
import { searchDecisions } from '../layers/core/src/retrieval/search';
import { setDb } from '../layers/core/src/runtime/db';
import { createServices, setServices } from '../layers/core/src/runtime/services';
import { addUser } from '../test/support/api';
import { createTestDb } from '../test/support/db';
import { makeDecision } from '../test/support/fixtures';
import { PLACES } from './eval/retrieval-set';
import { summary } from './stats';

const ROWS = Number(process.env.BENCH_SEARCH_ROWS ?? 1000);
const N = Number(process.env.BENCH_SEARCH_SAMPLES ?? 300);
const kind = process.env.DATABASE_URL ? 'pg' : 'pglite';

const ACTIONS = [
  'expand into',
  'raise prices in',
  'hire a sales team for',
  'open an office in',
  'cut costs in',
];
const TOPICS = [
  'enterprise customers',
  'small businesses',
  'the retail segment',
  'our CRM product',
  'cloud hosting',
];
const question = (i: number) =>
  `Should we ${ACTIONS[i % 5]} ${TOPICS[Math.floor(i / 5) % 5]} ${PLACES[Math.floor(i / 25) % 10]} in year ${2020 + Math.floor(i / 250)}?`;
const QUERIES = [
  'expanding to enterprise customers in Germany',
  'hiring salespeople for small businesses',
  'price increase for the retail segment in Japan',
  'new office in Canada',
  'reduce cloud hosting costs',
  'should we grow in Brazil',
];

const embeddings = new OfflineEmbeddings();

async function seedOrg(db: Db, name: string) {
  const u = await addUser(db);
  const ds = Array.from({ length: ROWS }, (_, i) => makeDecision(u, question(i)));
  for (const d of ds) d.response.recommendation = `${name}: pilot first, review after one quarter`;
  await insertDecisions(db, ds);
  if ((await db.capabilities()).vector) {
    const texts = ds.map((d) => decisionEmbeddingText(d.response.query, d.response.recommendation));
    const vectors = await embeddings.embed(texts);
    await db.query(
      `UPDATE decisions d SET embedding = u.e::vector
         FROM unnest($1::uuid[], $2::text[]) AS u(id, e) WHERE d.decision_id = u.id`,
      [ds.map((d) => d.decisionId), vectors.map(toPgVector)],
    );
  }
  return u;
}

async function time(label: string, fn: (i: number) => Promise<unknown>) {
  for (let i = 0; i < 20; i++) await fn(i); // warm-up
  const samples: number[] = [];
  for (let i = 0; i < N; i++) {
    const t = performance.now();
    await fn(i);
    samples.push(performance.now() - t);
  }
  const s = summary(samples);
  console.log(`${label.padEnd(48)} p50 ${s.p50} ms  p95 ${s.p95} ms  p99 ${s.p99} ms  (n=${s.n})`);
}

const t = await createTestDb(kind);
const vector = (await t.db.capabilities()).vector;
const t0 = performance.now();
const user = await seedOrg(t.db, 'mine');
await seedOrg(t.db, 'other');
await t.db.exec('ANALYZE decisions');
console.log(
  `# decision search, ${kind}${vector ? ' + pgvector' : ' (no pgvector: keyword mode)'}, ${ROWS} decisions in the org ` +
    `(+${ROWS} in another), seeded in ${Math.round(performance.now() - t0)} ms; sequential`,
);

const metrics = { count() {}, timing() {} };
const cache = createCacheStack(loadCacheConfig({ CACHE_L2: 'none' } as NodeJS.ProcessEnv), metrics);
// every read a miss: no L1 (CACHE_L1_MAX_BYTES=0) and no L2
const noCache = createCacheStack(
  loadCacheConfig({ CACHE_L2: 'none', CACHE_L1_MAX_BYTES: '0' } as NodeJS.ProcessEnv),
  metrics,
);
const deps = { db: t.db, cache: cache.tiered, embeddings, retrieval: DEFAULT_RETRIEVAL_CONFIG };
const q = (i: number) => QUERIES[i % QUERIES.length]!;

const sample = await searchDecisions(t.db, embeddings, { orgId: user.orgId, q: q(0), k: 10 });
console.log(`mode ${sample.mode}; top hit for "${q(0)}": ${sample.items[0]?.query ?? '(none)'}`);

await time(`searchDecisions (${sample.mode}, uncached, k=10)`, (i) =>
  searchDecisions(t.db, embeddings, { orgId: user.orgId, q: q(i), k: 10 }),
);
await time('decisionsVersion (freshness key)', () => decisionsVersion(t.db, user.orgId));
const plan = await t.db.query<Record<string, string>>(
  `EXPLAIN SELECT decision_id FROM decisions WHERE org_id = $1 ORDER BY created_at DESC LIMIT 8`,
  [user.orgId],
);
console.log('  version plan:', plan.rows.map((r) => Object.values(r)[0]?.trim()).join(' | '));
await time('searchOrgDecisions, miss (version + search)', (i) =>
  searchOrgDecisions({ ...deps, cache: noCache.tiered }, { orgId: user.orgId, q: q(i), k: 10 }),
);
await time('searchOrgDecisions, L1 hit (version + L1)', (i) =>
  searchOrgDecisions(deps, { orgId: user.orgId, q: q(i), k: 10 }),
);

// The route over the local runtime: JWT check, middy chain, validation, HTTP.
setDb(t.db);
setServices(createServices(getConfig(), t.db, { cache: noCache, embeddings, metrics }));
const server = await startLocalServer({ port: 0 });
const login = await fetch(`${server.url}/api/v1/auth/login`, {
  method: 'POST',
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify({ email: user.email, password: user.password }),
});
const token = ((await login.json()) as { access_token: string }).access_token;
const get = async (query: string) => {
  const res = await fetch(`${server.url}/api/v1/decisions/search?${new URLSearchParams({ q: query })}`, {
    headers: { authorization: `Bearer ${token}` },
  });
  await res.arrayBuffer();
  if (res.status !== 200) throw new Error(String(res.status));
};
await time('GET /api/v1/decisions/search, miss', (i) => get(q(i)));
setServices(createServices(getConfig(), t.db, { cache, embeddings, metrics }));
await time('GET /api/v1/decisions/search, L1 hit', (i) => get(q(i)));

await server.close();
await Promise.all([cache.close(), noCache.close()]);
setServices(undefined);
setDb(undefined);
await t.dispose();
process.exit(0);
