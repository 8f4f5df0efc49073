/**
 * Runs the labelled retrieval set (load/eval/retrieval-set.ts) on PGlite + pgvector with the offline
 * embedder: recall@10 and nDCG@10 for the vector half alone, the keyword half alone (the old all-words
 * query and the new any-word one), the specification's 0.7 / 0.3 weighted fusion, and RRF — each through
 * the real `searchDecisions` (fusion variants) or the real candidate queries (the halves).
 */
import { createPgliteDb } from '../../bin/local/pglite';
import { createUser } from '../../layers/core/src/auth/users';
import { migrate } from '../../layers/core/src/db/migrate';
import type { Db } from '../../layers/core/src/db/types';
import { decisionEmbeddingText } from '../../layers/core/src/decisions/embedding';
import { insertDecisions } from '../../layers/core/src/decisions/store';
import { OfflineEmbeddings } from '../../layers/core/src/embeddings/offline';
import { toPgVector } from '../../layers/core/src/embeddings/vector';
import { sha256Hex } from '../../layers/core/src/hash';
import { createOrg } from '../../layers/core/src/orgs/orgs';
import { DEFAULT_RETRIEVAL_CONFIG, type RetrievalConfig } from '../../layers/core/src/retrieval/config';
import { keywordCandidates } from '../../layers/core/src/retrieval/keyword';
import { searchDecisions } from '../../layers/core/src/retrieval/search';
import { makeDecision } from '../../test/support/fixtures';
import { ndcgAt, type RetrievalQuery, recallAt, retrievalSet } from './retrieval-set';

export interface RetrievalRow {
  method: string;
  recall10: number;
  ndcg10: number;
  byKind: Record<string, { recall10: number; n: number }>;
}

type Ranker = (q: string) => Promise<string[]>;

export async function seedRetrievalSet(db: Db): Promise<{ orgId: string; idOf: Map<string, string> }> {
  const embeddings = new OfflineEmbeddings();
  // Stored in an order unrelated to topic and place (a fixed shuffle): the keyword half breaks equal scores
  // by recency, so generating order would otherwise favour the topics generated last.
  const decisions = [...retrievalSet().decisions].sort((a, b) =>
    sha256Hex(a.key) < sha256Hex(b.key) ? -1 : 1,
  );
  const orgId = '00000000-0000-4000-8000-0000000000e1';
  const userId = '00000000-0000-4000-8000-0000000000e2';
  await createOrg(db, { orgId, name: 'retrieval eval' });
  await createUser(db, { orgId, userId, email: 'eval@example.test', passwordHash: 'x' });
  const rows = decisions.map((d) => {
    const r = makeDecision({ orgId, userId }, d.query);
    r.response.recommendation = d.recommendation;
    return r;
  });
  await insertDecisions(db, rows);
  const vectors = await embeddings.embed(
    rows.map((r) => decisionEmbeddingText(r.response.query, r.response.recommendation)),
  );
  await db.query(
    `UPDATE decisions d SET embedding = u.e::vector
       FROM unnest($1::uuid[], $2::text[]) AS u(id, e) WHERE d.decision_id = u.id`,
    [rows.map((r) => r.decisionId), vectors.map(toPgVector)],
  );
  await db.exec('ANALYZE decisions');
  const idOf = new Map(decisions.map((d, i) => [d.key, rows[i]!.decisionId]));
  return { orgId, idOf };
}

async function score(
  method: string,
  queries: readonly RetrievalQuery[],
  idOf: Map<string, string>,
  rank: Ranker,
): Promise<RetrievalRow> {
  let recall = 0;
  let ndcg = 0;
  const byKind: Record<string, { recall10: number; n: number }> = {};
  for (const q of queries) {
    const ranked = await rank(q.q);
    const relevant = q.relevant.map((k) => idOf.get(k)!);
    const r = recallAt(10, ranked, relevant);
    recall += r;
    ndcg += ndcgAt(10, ranked, relevant);
    const b = byKind[q.kind] ?? { recall10: 0, n: 0 };
    b.recall10 += r;
    b.n += 1;
    byKind[q.kind] = b;
  }
  for (const b of Object.values(byKind)) b.recall10 /= b.n;
  return { method, recall10: recall / queries.length, ndcg10: ndcg / queries.length, byKind };
}

export async function runRetrievalEval(): Promise<{
  rows: RetrievalRow[];
  decisions: number;
  queries: number;
}> {
  const db = await createPgliteDb();
  try {
    await migrate(db);
    const { orgId, idOf } = await seedRetrievalSet(db);
    const { queries, decisions } = retrievalSet();
    const embeddings = new OfflineEmbeddings();
    const hybrid =
      (config: RetrievalConfig): Ranker =>
      async (q) =>
        (await searchDecisions(db, embeddings, { orgId, q, k: 10 }, config)).items.map((i) => i.decision_id);
    const rows: RetrievalRow[] = [];
    rows.push(
      await score('vector only (HNSW, cosine)', queries, idOf, async (q) => {
        const [v] = await embeddings.embed([q]);
        const r = await db.query<{ decision_id: string }>(
          `SELECT decision_id FROM decisions WHERE org_id = $1 AND embedding IS NOT NULL
            ORDER BY embedding <=> $2::vector LIMIT 10`,
          [orgId, toPgVector(v!)],
        );
        return r.rows.map((x) => x.decision_id);
      }),
    );
    rows.push(
      await score('keyword only, all words (old: websearch_to_tsquery)', queries, idOf, async (q) => {
        const r = await db.query<{ decision_id: string }>(
          `SELECT decision_id FROM decisions WHERE org_id = $1 AND search_tsv @@ websearch_to_tsquery('english', $2)
            ORDER BY ts_rank_cd(search_tsv, websearch_to_tsquery('english', $2)) DESC, created_at DESC LIMIT 10`,
          [orgId, q],
        );
        return r.rows.map((x) => x.decision_id);
      }),
    );
    rows.push(
      await score('keyword only, any word (new: OR + ts_rank_cd, capped)', queries, idOf, async (q) =>
        (await keywordCandidates(db, { orgId, q }, 10)).map((x) => x.decision_id),
      ),
    );
    rows.push(
      await score(
        'hybrid, weighted 0.7 / 0.3',
        queries,
        idOf,
        hybrid({ ...DEFAULT_RETRIEVAL_CONFIG, fusion: 'weighted' }),
      ),
    );
    rows.push(
      await score(
        'hybrid, RRF (k=60)',
        queries,
        idOf,
        hybrid({ ...DEFAULT_RETRIEVAL_CONFIG, fusion: 'rrf' }),
      ),
    );
    rows.push(
      await score(
        'hybrid, min-max 0.7 / 0.3',
        queries,
        idOf,
        hybrid({ ...DEFAULT_RETRIEVAL_CONFIG, fusion: 'minmax' }),
      ),
    );
    for (const [wv, wk] of [
      [0.5, 0.5],
      [0.3, 0.7],
    ] as const) {
      rows.push(
        await score(
          `hybrid, min-max ${wv} / ${wk}`,
          queries,
          idOf,
          hybrid({ ...DEFAULT_RETRIEVAL_CONFIG, fusion: 'minmax', vectorWeight: wv, keywordWeight: wk }),
        ),
      );
      rows.push(
        await score(
          `hybrid, weighted ${wv} / ${wk}`,
          queries,
          idOf,
          hybrid({ ...DEFAULT_RETRIEVAL_CONFIG, fusion: 'weighted', vectorWeight: wv, keywordWeight: wk }),
        ),
      );
      rows.push(
        await score(
          `hybrid, RRF ${wv} / ${wk}`,
          queries,
          idOf,
          hybrid({ ...DEFAULT_RETRIEVAL_CONFIG, fusion: 'rrf', vectorWeight: wv, keywordWeight: wk }),
        ),
      );
    }
    return { rows, decisions: decisions.length, queries: queries.length };
  } finally {
    await db.close();
  }
}
