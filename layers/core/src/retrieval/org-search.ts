import type { CacheLevel, TieredCache } from '../cache/tiered';
import type { Db } from '../db/types';
import { decisionsVersion } from '../decisions/store';
import type { Embeddings } from '../embeddings/types';
import type { RetrievalConfig } from './config';
import { type DecisionSearchItem, searchDecisionsCached } from './search';

/** What `GET /api/v1/decisions/search` needs; created once per instance. */
export interface OrgSearchDeps {
  db: Db;
  cache: TieredCache;
  embeddings: Embeddings;
  retrieval: RetrievalConfig;
}

export interface OrgSearchParams {
  /** From the verified JWT, never from the request. */
  orgId: string;
  q: string;
  k: number;
}

export type OrgSearchItem = Pick<
  DecisionSearchItem,
  | 'decision_id'
  | 'query'
  | 'recommendation'
  | 'confidence'
  | 'created_at'
  | 'score'
  | 'vector_score'
  | 'keyword_score'
>;

export interface OrgSearchResponse {
  mode: 'hybrid' | 'keyword';
  items: OrgSearchItem[];
  /** Which level answered: the in-process L1, Redis L2, or the database (`source`). */
  cache: CacheLevel;
}

/**
 * The least cosine similarity at which a decision found by the vector side alone counts as related. Nearest
 * neighbours always exist, so without a floor any query would return the org's k closest decisions however
 * unrelated. A third of the embedder's paraphrase threshold: offline 0.20 (unrelated questions score about
 * −0.1..0.1, related ones 0.2..0.6), Titan V2 0.28.
 */
export function relatedVectorFloor(embeddings: Pick<Embeddings, 'paraphraseThreshold'>): number {
  return embeddings.paraphraseThreshold / 3;
}

/**
 * Hybrid (pgvector cosine 0.7 + full text 0.3) search over all of the caller org's decisions, through the
 * retrieval cache (kind `retrieval`, key scoped to the org and to its decision-set version). In hybrid mode
 * a decision only the vector side found must reach `relatedVectorFloor`; keyword matches always count.
 */
export async function searchOrgDecisions(
  deps: OrgSearchDeps,
  params: OrgSearchParams,
): Promise<OrgSearchResponse> {
  if (!params.orgId) throw new TypeError('searchOrgDecisions: orgId is required');
  const version = await decisionsVersion(deps.db, params.orgId);
  const r = await searchDecisionsCached(
    deps.cache,
    deps.db,
    deps.embeddings,
    { orgId: params.orgId, q: params.q, k: params.k },
    { version, config: deps.retrieval },
  );
  const floor = relatedVectorFloor(deps.embeddings);
  const related =
    r.mode === 'hybrid' ? r.items.filter((i) => i.keyword_score > 0 || i.vector_score >= floor) : r.items;
  return {
    mode: r.mode,
    items: related.map((i) => ({
      decision_id: i.decision_id,
      query: i.query,
      recommendation: i.recommendation,
      confidence: i.confidence,
      created_at: i.created_at,
      score: i.score,
      vector_score: i.vector_score,
      keyword_score: i.keyword_score,
    })),
    cache: r.cache,
  };
}
