import { normalizeQuery } from '../cache/answer-key';
import type { TieredCache } from '../cache/tiered';
import type { Db } from '../db/types';
import { type DecisionMatch, decisionSimilarities, nearestDecisions } from '../decisions/store';
import type { Embeddings } from '../embeddings/types';
import { toPgVector } from '../embeddings/vector';
import { emfSink } from '../observability/metrics';
import { DEFAULT_RETRIEVAL_CONFIG, type RetrievalConfig } from './config';
import { fuseScores, fuseWith, type Scored } from './fuse';
import { keywordCandidates } from './keyword';

export interface DecisionSearchParams {
  orgId: string;
  q: string;
  k?: number;
  /** Restrict to one user's decisions (still inside the org). */
  userId?: string;
}

export interface DecisionSearchItem {
  decision_id: string;
  query: string;
  recommendation: string;
  confidence: number;
  model: string;
  created_at: string;
  /** fused score, 0..1 */
  score: number;
  /** cosine similarity clamped to 0..1 — also for a decision only the keyword side found (0 without an embedding) */
  vector_score: number;
  /** full-text rank divided by the best rank among the candidates */
  keyword_score: number;
}

export interface DecisionSearchResult {
  /** `keyword` where the database has no vector capability or the query could not be embedded. */
  mode: 'hybrid' | 'keyword';
  items: DecisionSearchItem[];
  /** Why the search fell back to keyword-only. */
  fallback?: 'no_vector_capability' | 'embedding_failed';
}

type Item = Omit<DecisionSearchItem, 'score' | 'vector_score' | 'keyword_score'>;

function toScored(rows: DecisionMatch[]): Scored<Item>[] {
  return rows.map((r) => ({
    id: r.decision_id,
    score: Number(r.score),
    item: {
      decision_id: r.decision_id,
      query: r.query,
      recommendation: r.recommendation,
      confidence: Number(r.confidence),
      model: r.model,
      created_at:
        r.created_at instanceof Date ? r.created_at.toISOString() : new Date(r.created_at).toISOString(),
    },
  }));
}

async function vectorCandidates(
  db: Db,
  p: DecisionSearchParams,
  vector: string,
  n: number,
): Promise<Scored<Item>[]> {
  const started = performance.now();
  const rows = await nearestDecisions(db, { orgId: p.orgId, userId: p.userId }, vector, n);
  emfSink.timing('VectorQueryTime', performance.now() - started);
  return toScored(rows);
}

/**
 * The vector side completed with the cosine of every keyword candidate it did not return (beyond its top n),
 * so the fused score is 0.7 × cosine + 0.3 × words for every candidate: a decision found by its words is not
 * scored as if it were unrelated in meaning. One statement by primary key, at most n rows.
 */
async function withKeywordSimilarities(
  db: Db,
  orgId: string,
  vector: string,
  vec: Scored<Item>[],
  kw: Scored<Item>[],
): Promise<Scored<Item>[]> {
  const seen = new Set(vec.map((c) => c.id));
  const missing = kw.filter((c) => !seen.has(c.id));
  if (missing.length === 0) return vec;
  const sims = await decisionSimilarities(
    db,
    orgId,
    vector,
    missing.map((c) => c.id),
  );
  const filled = missing.flatMap((c) => {
    const s = sims.get(c.id);
    return s === undefined ? [] : [{ ...c, score: s }];
  });
  return [...vec, ...filled];
}

/**
 * Hybrid search over an org's decisions: pgvector cosine top-N and full-text top-N (any word, ts_rank_cd,
 * candidates capped: retrieval/keyword.ts), fused as configured — by default 0.7 × cosine + 0.3 × keyword
 * score / best, with the cosine of keyword candidates beyond the vector top N filled in, which ties for best on the labelled retrieval set (docs/search.md) — top-k. Without the vector capability (or when the query
 * cannot be embedded) it ranks by full text only and says so (`mode: 'keyword'`).
 */
export async function searchDecisions(
  db: Db,
  embeddings: Embeddings,
  params: DecisionSearchParams,
  config: RetrievalConfig = DEFAULT_RETRIEVAL_CONFIG,
): Promise<DecisionSearchResult> {
  if (!params.orgId) throw new TypeError('searchDecisions: orgId is required');
  const k = Math.max(1, Math.min(params.k ?? 10, config.maxK));
  const n = Math.max(config.candidates, k);
  const q = params.q.trim();
  if (q === '') return { mode: 'keyword', items: [] };

  let fallback: DecisionSearchResult['fallback'];
  let vector: string | undefined;
  if (!(await db.capabilities()).vector) {
    fallback = 'no_vector_capability';
  } else {
    try {
      const [v] = await embeddings.embed([q]);
      if (v?.length !== 256) throw new Error('embedding has the wrong size');
      vector = toPgVector(v);
    } catch {
      fallback = 'embedding_failed';
    }
  }

  const [vec, kw] = await Promise.all([
    vector ? vectorCandidates(db, params, vector, n) : Promise.resolve([]),
    keywordCandidates(db, params, n, config.keywordCandidateCap, config.keywordWindow).then(toScored),
  ]);
  // without vectors the keyword side alone, in its own order
  const fused = vector
    ? fuseWith(config, await withKeywordSimilarities(db, params.orgId, vector, vec, kw), kw, k)
    : fuseScores(vec, kw, { vector: 0, keyword: 1 }, k);
  const items = fused.map((f) => ({
    ...f.item,
    score: Number(f.score.toFixed(6)),
    vector_score: Number(f.vectorScore.toFixed(6)),
    keyword_score: Number(f.keywordScore.toFixed(6)),
  }));
  return vector ? { mode: 'hybrid', items } : { mode: 'keyword', items, fallback };
}

export interface CachedSearchOptions {
  /** Folded into the key, e.g. a per-org counter bumped when a decision is added, for instant freshness. */
  version?: string | number;
  config?: RetrievalConfig;
}

/** `searchDecisions` through the tiered cache (kind `retrieval`, org-scoped key). */
export async function searchDecisionsCached(
  cache: TieredCache,
  db: Db,
  embeddings: Embeddings,
  params: DecisionSearchParams,
  opts: CachedSearchOptions = {},
): Promise<DecisionSearchResult & { cache: 'l1' | 'l2' | 'source' }> {
  const key = cache.key(params.orgId, 'retrieval', 'decisions', {
    q: normalizeQuery(params.q),
    k: params.k ?? 10,
    user: params.userId,
    embedder: embeddings.id,
    version: opts.version,
  });
  const r = await cache.getOrLoad(
    key,
    'retrieval',
    () => searchDecisions(db, embeddings, params, opts.config),
    {
      // an embedding outage should not pin a keyword-only answer in the cache
      cacheIf: (v) => v.fallback !== 'embedding_failed',
    },
  );
  return { ...r.value, cache: r.level };
}
