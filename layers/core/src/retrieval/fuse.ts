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

/** Each side's weight as a share of both (0 and 0 when both are 0). */
function shares(weights: { vector: number; keyword: number }): [number, number] {
  const total = weights.vector + weights.keyword;
  return total > 0 ? [weights.vector / total, weights.keyword / total] : [0, 0];
}

/** The k best by fused score; ties by vector score, then id. */
function bestFirst<T>(fused: Fused<T>[], k: number): Fused<T>[] {
  fused.sort((a, b) => b.score - a.score || b.vectorScore - a.vectorScore || (a.id < b.id ? -1 : 1));
  return fused.slice(0, k);
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
  const [wv, wk] = shares(weights);
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
  return bestFirst(out, k);
}

/**
 * Weighted fusion over min–max normalised sides: cosine similarities of one query's candidates sit in a
 * narrow band (say 0.35–0.55), so clamped to 0..1 they barely separate the candidates while the keyword
 * side (divided by its best) spans 0..1. Here each side is rescaled to 0..1 over its own candidates first
 * (best = 1, worst = 0), so both separate their candidates equally. `vectorScore` stays the cosine.
 */
export function fuseMinMax<T>(
  vector: readonly Scored<T>[],
  keyword: readonly Scored<T>[],
  weights: { vector: number; keyword: number },
  k: number,
): Fused<T>[] {
  const [wv, wk] = shares(weights);
  const scale = (side: readonly Scored<T>[]) => {
    const lo = Math.min(...side.map((c) => c.score));
    const hi = Math.max(...side.map((c) => c.score));
    return (x: number) => (hi > lo ? (x - lo) / (hi - lo) : 1);
  };
  const sv = scale(vector);
  const sk = scale(keyword);
  const nv = new Map(vector.map((c) => [c.id, sv(c.score)]));
  const nk = new Map(keyword.map((c) => [c.id, sk(c.score)]));
  const base = fuseScores(vector, keyword, weights, vector.length + keyword.length);
  for (const f of base) f.score = wv * (nv.get(f.id) ?? 0) + wk * (nk.get(f.id) ?? 0);
  return bestFirst(base, k);
}

/**
 * Reciprocal rank fusion: each side contributes weight / (k0 + rank) (rank 1 = its best), so only the order
 * within each side matters, not the scale of its scores. The fused score is divided by its maximum (first
 * on both sides), so it reads 0..1 like the weighted fusion. `vectorScore` and `keywordScore` stay the
 * normalised side scores, for display.
 */
export function fuseRrf<T>(
  vector: readonly Scored<T>[],
  keyword: readonly Scored<T>[],
  weights: { vector: number; keyword: number },
  k: number,
  k0 = 60,
): Fused<T>[] {
  const [wv, wk] = shares(weights);
  const base = fuseScores(vector, keyword, weights, vector.length + keyword.length);
  const rankOf = (side: readonly Scored<T>[]) => {
    const sorted = [...side].sort((a, b) => b.score - a.score || (a.id < b.id ? -1 : 1));
    return new Map(sorted.map((c, i) => [c.id, i + 1]));
  };
  const rv = rankOf(vector);
  const rk = rankOf(keyword);
  const max = (wv + wk) / (k0 + 1);
  for (const f of base) {
    const a = rv.get(f.id);
    const b = rk.get(f.id);
    const s = (a ? wv / (k0 + a) : 0) + (b ? wk / (k0 + b) : 0);
    f.score = max > 0 ? s / max : 0;
  }
  return bestFirst(base, k);
}

/** The configured fusion (RETRIEVAL_FUSION, weights, RRF k) — one place for the route and the skill. */
export function fuseWith<T>(
  config: {
    fusion: 'rrf' | 'weighted' | 'minmax';
    vectorWeight: number;
    keywordWeight: number;
    rrfK: number;
  },
  vector: readonly Scored<T>[],
  keyword: readonly Scored<T>[],
  k: number,
): Fused<T>[] {
  const w = { vector: config.vectorWeight, keyword: config.keywordWeight };
  if (config.fusion === 'rrf') return fuseRrf(vector, keyword, w, k, config.rrfK);
  if (config.fusion === 'minmax') return fuseMinMax(vector, keyword, w, k);
  return fuseScores(vector, keyword, w, k);
}
