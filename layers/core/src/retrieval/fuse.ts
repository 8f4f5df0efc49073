/** One candidate from either side of the hybrid search. */
export interface Scored<T> {
  id: string;
  item: T;
  /** raw score: cosine similarity (vector side) or ts_rank_cd (keyword side) */
  score: number;
}

export interface Fused<T> {
  id: string;
  item: T;
  score: number;
  vectorScore: number;
  keywordScore: number;
}

/**
 * Weighted score fusion. Each side is normalised to 0..1 first: cosine similarity is clamped to [0, 1]
 * (it already is an absolute scale), full-text ranks are divided by the best rank in the set (ts_rank has
 * no fixed scale). A document found by one side only gets 0 from the other. Ties: vector score, then id.
 */
export function fuseScores<T>(
  vector: readonly Scored<T>[],
  keyword: readonly Scored<T>[],
  weights: { vector: number; keyword: number },
  k: number,
): Fused<T>[] {
  const total = weights.vector + weights.keyword;
  const wv = total > 0 ? weights.vector / total : 0;
  const wk = total > 0 ? weights.keyword / total : 0;
  const maxRank = keyword.reduce((m, c) => Math.max(m, c.score), 0);
  const byId = new Map<string, Fused<T>>();
  for (const c of vector) {
    const v = Math.min(1, Math.max(0, c.score));
    byId.set(c.id, { id: c.id, item: c.item, score: 0, vectorScore: v, keywordScore: 0 });
  }
  for (const c of keyword) {
    const kw = maxRank > 0 ? Math.min(1, Math.max(0, c.score / maxRank)) : 0;
    const existing = byId.get(c.id);
    if (existing) existing.keywordScore = kw;
    else byId.set(c.id, { id: c.id, item: c.item, score: 0, vectorScore: 0, keywordScore: kw });
  }
  const out = [...byId.values()];
  for (const f of out) f.score = wv * f.vectorScore + wk * f.keywordScore;
  out.sort((a, b) => b.score - a.score || b.vectorScore - a.vectorScore || (a.id < b.id ? -1 : 1));
  return out.slice(0, k);
}
