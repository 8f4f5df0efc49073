/**
 * Vector half of decision search: recall@10 of the HNSW index against exact search, and its latency, for
 * hnsw.ef_search 40 (pgvector's default), 100 and 200 (migration 0007's database default), on PGlite +
 * pgvector: `npx tsx load/bench-vector-recall.ts` (BENCH_VECTOR_ROWS, default 20000; BENCH_VECTOR_QUERIES,
 * default 100). Recall is given twice: by ids, and counting a result as found when it is as close as the
 * exact 10th (ties at equal distance are common with the hashing embedder; ids alone count a tie broken the
 * other way as a miss). The bench itself uses SET to compare values (the product does not). Asserts nothing.
 */
import './bench-env';
import { createPgliteDb } from '../bin/local/pglite';
import { createUser } from '../layers/core/src/auth/users';
import { migrate } from '../layers/core/src/db/migrate';
import { OfflineEmbeddings } from '../layers/core/src/embeddings/offline';
import { toPgVector } from '../layers/core/src/embeddings/vector';
import { createOrg } from '../layers/core/src/orgs/orgs';
import { PLACES } from './eval/retrieval-set';
import { summary } from './stats';

const ROWS = Number(process.env.BENCH_VECTOR_ROWS ?? 20_000);
const QUERIES = Number(process.env.BENCH_VECTOR_QUERIES ?? 100);
const WORDS = (
  'expand enter launch hire cut raise acquire sell open close migrate outsource merge split price market team ' +
  'office cloud data support sales engineering marketing finance product mobile enterprise customer partner ' +
  'budget runway debt equity region country plan tier pilot risk growth margin revenue cost hardware software'
).split(' ');

let seed = 42;
const rnd = () => {
  seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648;
  return seed / 2_147_483_648;
};
const text = () =>
  `Should we ${Array.from({ length: 6 }, () => WORDS[Math.floor(rnd() * WORDS.length)]).join(' ')} in ${PLACES[Math.floor(rnd() * PLACES.length)]}?`;

const db = await createPgliteDb();
await migrate(db);
const embeddings = new OfflineEmbeddings();
const orgId = '00000000-0000-4000-8000-00000000ab01';
const userId = '00000000-0000-4000-8000-00000000ab02';
await createOrg(db, { orgId, name: 'vector bench' });
await createUser(db, { orgId, userId, email: 'v@example.test', passwordHash: 'x' });
const started = performance.now();
await db.exec('DROP INDEX decisions_embedding_hnsw_idx');
for (let done = 0; done < ROWS; done += 2000) {
  const n = Math.min(2000, ROWS - done);
  const texts = Array.from({ length: n }, text);
  const vectors = await embeddings.embed(texts);
  await db.query(
    `INSERT INTO decisions (decision_id, org_id, user_id, query, result, recommendation, confidence, model, answered_from, embedding)
     SELECT gen_random_uuid(), $1, $2, q, '{}'::jsonb, 'r', 0.5, 'offline', 'agent', e::vector
       FROM unnest($3::text[], $4::text[]) AS u(q, e)`,
    [orgId, userId, texts, vectors.map(toPgVector)],
  );
}
await db.exec(
  'CREATE INDEX decisions_embedding_hnsw_idx ON decisions USING hnsw (embedding vector_cosine_ops)',
);
await db.exec('ANALYZE decisions');
console.log(
  `# HNSW recall@10 vs exact, PGlite + pgvector, ${ROWS} decisions (built in ${Math.round((performance.now() - started) / 1000)} s), ${QUERIES} queries`,
);
const qs = (await embeddings.embed(Array.from({ length: QUERIES }, text))).map(toPgVector);
const SQL = `SELECT decision_id, (embedding <=> $2::vector)::float8 AS d FROM decisions
              WHERE org_id = $1 AND embedding IS NOT NULL ORDER BY embedding <=> $2::vector LIMIT $3`;
type Hit = { decision_id: string; d: number };
await db.exec('SET enable_indexscan = off');
const exact: Hit[][] = [];
let ties = 0;
for (const q of qs) {
  const rows = (await db.query<Hit>(SQL, [orgId, q, 11])).rows;
  // a tie: the 11th nearest is as close as the 10th, so "the" exact top 10 is one pick among equals
  if (rows.length === 11 && Math.abs(rows[10]!.d - rows[9]!.d) < 1e-9) ties += 1;
  exact.push(rows.slice(0, 10));
}
await db.exec('RESET enable_indexscan');
console.log(
  `# ${ties} of ${qs.length} queries: the 11th nearest is as close as the 10th (a tie at the boundary)`,
);
console.log(
  '| ef_search | recall@10 (same ids) | recall@10 (distance ≤ exact 10th) | P50 ms | P95 ms | queries with < 10 results |',
);
console.log('| ---: | ---: | ---: | ---: | ---: | ---: |');
for (const ef of [40, 100, 200]) {
  await db.exec(`SET hnsw.ef_search = ${ef}`);
  let hit = 0;
  let close = 0;
  let short = 0;
  const ms: number[] = [];
  for (const [i, q] of qs.entries()) {
    const t = performance.now();
    const got = (await db.query<Hit>(SQL, [orgId, q, 10])).rows;
    ms.push(performance.now() - t);
    const want = exact[i]!;
    const ids = new Set(want.map((x) => x.decision_id));
    const tenth = want[want.length - 1]?.d ?? Number.POSITIVE_INFINITY;
    hit += got.filter((x) => ids.has(x.decision_id)).length;
    close += got.filter((x) => x.d <= tenth + 1e-9).length;
    if (got.length < want.length) short += 1;
  }
  const s = summary(ms);
  const r = (x: number) => (x / (qs.length * 10)).toFixed(3);
  console.log(`| ${ef} | ${r(hit)} | ${r(close)} | ${s.p50} | ${s.p95} | ${short} |`);
}
await db.close();
