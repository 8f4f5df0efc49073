/**
 * Vector half of decision search: recall@10 of the HNSW index against exact search, and its latency, per
 * hnsw.ef_search, on PGlite + pgvector: `npx tsx load/bench-vector-recall.ts`.
 *
 * Data: BENCH_VECTOR_ROWS (default 20000) decisions from load/vector-corpus.ts (varied questions and
 * recommendations), each embedded by the product's offline embedder from the text the product embeds
 * (`decisionEmbeddingText(query, recommendation)`); BENCH_VECTOR_QUERIES (default 100) held-out questions
 * (paraphrases of stored decisions, new questions, keyword queries), embedded as search embeds a question.
 * Schema: the product's `migrate`; the HNSW index is dropped for the load and rebuilt from its own definition
 * (read back from pg_indexes, so it is whatever the migrations define). BENCH_VECTOR_HNSW adds variants of that
 * index built on the same rows, `;`-separated WITH lists (e.g. `m=24,ef_construction=128`).
 * BENCH_VECTOR_EF: the ef_search values (default 40,100,200,400), after the one the migrations set; the bench SETs
 * them (the product does not).
 * BENCH_VECTOR_BUILD_MEM (e.g. 1GB): maintenance_work_mem for the index builds. It changes how fast the index is
 * built (pgvector builds in memory until the graph outgrows it, then on disk), not the graph it builds.
 *
 * Recall is given by ids and by distance (a result as close as the exact 10th counts: a tie broken the other
 * way is not a miss), with how many queries have a tie at the 10th/11th boundary. Asserts nothing.
 */
import './bench-env';
import { createPgliteDb } from '../bin/local/pglite';
import { createUser } from '../layers/core/src/auth/users';
import { migrate } from '../layers/core/src/db/migrate';
import { decisionEmbeddingText } from '../layers/core/src/decisions/embedding';
import { OfflineEmbeddings } from '../layers/core/src/embeddings/offline';
import { toPgVector } from '../layers/core/src/embeddings/vector';
import { createOrg } from '../layers/core/src/orgs/orgs';
import { type Hit, recallAt, tiedAtBoundary } from './recall';
import { summary } from './stats';
import { type VectorQueryKind, vectorDecision, vectorQueries } from './vector-corpus';

const ROWS = Number(process.env.BENCH_VECTOR_ROWS ?? 20_000);
const QUERIES = Number(process.env.BENCH_VECTOR_QUERIES ?? 100);
const EFS = (process.env.BENCH_VECTOR_EF ?? '40,100,200,400').split(',').map(Number);
const VARIANTS = (process.env.BENCH_VECTOR_HNSW ?? '').split(';').filter((s) => s.trim() !== '');
const BUILD_MEM = process.env.BENCH_VECTOR_BUILD_MEM;
const K = 10;
const INDEX = 'decisions_embedding_hnsw_ef128_idx';

const db = await createPgliteDb();
await migrate(db);
const embeddings = new OfflineEmbeddings();
const orgId = '00000000-0000-4000-8000-00000000ab01';
const userId = '00000000-0000-4000-8000-00000000ab02';
await createOrg(db, { orgId, name: 'vector bench' });
await createUser(db, { orgId, userId, email: 'v@example.test', passwordHash: 'x' });

const indexDef = (
  await db.query<{ indexdef: string }>('SELECT indexdef FROM pg_indexes WHERE indexname = $1', [INDEX])
).rows[0]?.indexdef;
if (!indexDef) throw new Error(`${INDEX} not found: are the vector migrations applied?`);
await db.exec(`DROP INDEX ${INDEX}`);
// the search breadth the migrations set (0007, 0013): always measured
const migrated = Number(
  (await db.query<{ ef: string }>("SELECT current_setting('hnsw.ef_search') AS ef")).rows[0]?.ef,
);
const efs = [...new Set([...EFS, migrated])].sort((a, b) => a - b);

let started = performance.now();
const texts = new Set<string>();
for (let done = 0; done < ROWS; done += 2000) {
  const batch = Array.from({ length: Math.min(2000, ROWS - done) }, (_, j) => vectorDecision(done + j));
  const embedded = batch.map((d) => decisionEmbeddingText(d.query, d.recommendation));
  for (const t of embedded) texts.add(t);
  const vectors = await embeddings.embed(embedded);
  await db.query(
    `INSERT INTO decisions (decision_id, org_id, user_id, query, result, recommendation, confidence, model, answered_from, embedding)
     SELECT gen_random_uuid(), $1, $2, q, '{}'::jsonb, r, 0.5, 'offline', 'agent', e::vector
       FROM unnest($3::text[], $4::text[], $5::text[]) AS u(q, r, e)`,
    [orgId, userId, batch.map((d) => d.query), batch.map((d) => d.recommendation), vectors.map(toPgVector)],
  );
}
await db.exec('ANALYZE decisions');
const loadS = Math.round((performance.now() - started) / 1000);

const queries = vectorQueries(QUERIES, ROWS);
const qs = (await embeddings.embed(queries.map((x) => x.q))).map(toPgVector);
// the product's vector query (nearestDecisions), with the distance instead of the similarity
const SQL = `SELECT decision_id, (embedding <=> $2::vector)::float8 AS d FROM decisions
              WHERE org_id = $1 AND ($4::uuid IS NULL OR user_id = $4::uuid) AND embedding IS NOT NULL
              ORDER BY embedding <=> $2::vector LIMIT $3`;
const search = async (q: string, n: number) => (await db.query<Hit>(SQL, [orgId, q, n, null])).rows;

started = performance.now();
const exact: Hit[][] = [];
let ties = 0;
for (const q of qs) {
  const rows = await search(q, K + 1);
  if (tiedAtBoundary(rows, K)) ties += 1;
  exact.push(rows.slice(0, K));
}
const exactMs = (performance.now() - started) / qs.length;
const sim = (i: number) => (1 - summary(exact.map((e) => e[i]?.d ?? 1)).p50).toFixed(2);
const kinds = [...new Set(queries.map((x) => x.kind))];

console.log(
  `# HNSW recall@${K} vs exact, PGlite + pgvector, ${ROWS} decisions (${texts.size} distinct texts, loaded in ${loadS} s), ` +
    `${qs.length} queries (${kinds.map((k) => `${queries.filter((x) => x.kind === k).length} ${k}`).join(', ')})`,
);
console.log(
  `# ${ties} of ${qs.length} queries: the 11th nearest is as close as the 10th (a tie at the boundary); ` +
    `median similarity of the 1st / 10th nearest: ${sim(0)} / ${sim(K - 1)}; exact search ${Math.round(exactMs)} ms a query`,
);

const pgvector = (
  await db.query<{ v: string }>("SELECT extversion AS v FROM pg_extension WHERE extname = 'vector'")
).rows[0]?.v;
if (BUILD_MEM) await db.exec(`SET maintenance_work_mem = '${BUILD_MEM}'`);
const buildMem = (await db.query<{ m: string }>("SELECT current_setting('maintenance_work_mem') AS m"))
  .rows[0]?.m;
console.log(`# pgvector ${pgvector}; index builds with maintenance_work_mem = ${buildMem}`);

for (const variant of ['', ...VARIANTS]) {
  const def = variant ? `${indexDef.replace(/\s+WITH \(.*\)$/, '')} WITH (${variant})` : indexDef;
  started = performance.now();
  await db.exec(def);
  await db.exec('ANALYZE decisions');
  console.log(
    `\n## ${def.replace(/^CREATE INDEX \S+ ON /, '')}: built in ${Math.round((performance.now() - started) / 1000)} s`,
  );
  console.log(
    `| ef_search | recall@${K} (ids) | recall@${K} (distance) | worst query (ids / distance) | ids by kind (${kinds.join(' / ')}) | P50 ms | P95 ms |`,
  );
  console.log('| ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
  for (const ef of efs) {
    await db.exec(`SET hnsw.ef_search = ${ef}`);
    // the planner prefers an exact scan where the index would not save much (small tables, large ef_search)
    const plan = (await db.query<{ 'QUERY PLAN': string }>(`EXPLAIN ${SQL}`, [orgId, qs[0]!, K, null])).rows;
    const scan = plan.some((r) => r['QUERY PLAN'].includes(INDEX))
      ? ''
      : ' (exact scan: the planner skips the index)';
    for (const q of qs.slice(0, 10)) await search(q, K); // warm-up
    const ms: number[] = [];
    const per: Array<{ byIds: number; byDistance: number; kind: VectorQueryKind }> = [];
    for (const [i, q] of qs.entries()) {
      const t = performance.now();
      const got = await search(q, K);
      ms.push(performance.now() - t);
      per.push({ ...recallAt(K, got, exact[i]!), kind: queries[i]!.kind });
    }
    const mean = (xs: number[]) => (xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length)).toFixed(3);
    const worst = (xs: number[]) => Math.min(...xs).toFixed(1);
    const byKind = kinds.map((k) => mean(per.filter((p) => p.kind === k).map((p) => p.byIds))).join(' / ');
    const s = summary(ms);
    console.log(
      `| ${ef}${ef === migrated ? ' (migrations)' : ''}${scan} | ${mean(per.map((p) => p.byIds))} | ${mean(per.map((p) => p.byDistance))} | ` +
        `${worst(per.map((p) => p.byIds))} / ${worst(per.map((p) => p.byDistance))} | ${byKind} | ${s.p50} | ${s.p95} |`,
    );
  }
  await db.exec('RESET hnsw.ef_search');
  await db.exec(`DROP INDEX ${INDEX}`);
}
await db.close();
