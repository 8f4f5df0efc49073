/**
 * Scores the semantic cache's decision on the labelled question pairs (test/fixtures/question-pairs.json):
 * the embedder's similarity plus the guard, exactly as `createSemanticCache` decides, without a database.
 * Used by `npm run eval` (load/bench-eval.ts) and by test/unit/question/eval-set.test.ts.
 */
import { normalizeQuery } from '../../layers/core/src/cache/answer-key';
import type { Embeddings } from '../../layers/core/src/embeddings/types';
import { cosine } from '../../layers/core/src/embeddings/vector';
import { extractEntities, sameEntities } from '../../layers/core/src/question/entities';
import { decideCandidate, type GuardDecision } from '../../layers/core/src/question/guard';
import set from '../../test/fixtures/question-pairs.json';

export interface LabelledPair {
  /** `same:synonym`, `miss:team`, … */
  cls: string;
  same: boolean;
  cached: string;
  asked: string;
}

export function loadPairs(): LabelledPair[] {
  const out: LabelledPair[] = [];
  for (const item of set.items) {
    for (const [k, v] of Object.entries(item.same))
      out.push({ cls: `same:${k}`, same: true, cached: item.q, asked: v });
    for (const [k, v] of Object.entries(item.miss))
      out.push({ cls: `miss:${k}`, same: false, cached: item.q, asked: v });
  }
  for (const [cls, cached, asked] of set.pairs as Array<[string, string, string]>) {
    out.push({ cls, same: cls.startsWith('same:'), cached, asked });
  }
  return out;
}

/** Each pair with the embedder's similarity (of the normalised questions, as the cache embeds them). */
export async function withSimilarity(
  embeddings: Embeddings,
  pairs: readonly LabelledPair[],
): Promise<Array<LabelledPair & { similarity: number }>> {
  const texts = [...new Set(pairs.flatMap((p) => [normalizeQuery(p.cached), normalizeQuery(p.asked)]))];
  const vectors = new Map<string, number[]>();
  const batch = 16;
  for (let i = 0; i < texts.length; i += batch) {
    const chunk = texts.slice(i, i + batch);
    const vs = await embeddings.embed(chunk);
    for (const [j, t] of chunk.entries()) vectors.set(t, vs[j]!);
  }
  return pairs.map((p) => ({
    ...p,
    similarity: cosine(vectors.get(normalizeQuery(p.cached))!, vectors.get(normalizeQuery(p.asked))!),
  }));
}

/** What the verifier says for a `verify` decision: `none` (no verifier: a miss), an oracle, or always "same". */
export type VerifierMode = 'none' | 'oracle' | 'always_same';

export interface Policy {
  guard: 'frame' | 'entities';
  threshold: number;
  verifyFloor?: number;
  verifier?: VerifierMode;
}

export interface Outcome {
  pair: LabelledPair & { similarity: number };
  hit: boolean;
  decision: GuardDecision | { decision: 'hit' | 'miss'; reason?: string };
  verified: boolean;
}

export function decide(pair: LabelledPair & { similarity: number }, policy: Policy): Outcome {
  if (policy.guard === 'entities') {
    const hit =
      pair.similarity >= policy.threshold &&
      sameEntities(extractEntities(pair.cached), extractEntities(pair.asked));
    return { pair, hit, decision: { decision: hit ? 'hit' : 'miss' }, verified: false };
  }
  const d = decideCandidate(pair.asked, pair.cached, pair.similarity, {
    threshold: policy.threshold,
    verifyFloor: policy.verifyFloor,
  });
  if (d.decision !== 'verify') return { pair, hit: d.decision === 'hit', decision: d, verified: false };
  const mode = policy.verifier ?? 'none';
  const hit = mode === 'oracle' ? pair.same : mode === 'always_same';
  return { pair, hit, decision: d, verified: mode !== 'none' };
}

export interface ClassRow {
  cls: string;
  n: number;
  hits: number;
  /** same:* — share served from cache (recall); miss:* — wrong cached answers */
  rate: number;
}

export interface Summary {
  rows: ClassRow[];
  sameN: number;
  truePositives: number;
  falsePositives: number;
  precision: number;
  recall: number;
  verifications: number;
}

export function summarise(outcomes: readonly Outcome[]): Summary {
  const by = new Map<string, { n: number; hits: number }>();
  for (const o of outcomes) {
    const r = by.get(o.pair.cls) ?? { n: 0, hits: 0 };
    r.n += 1;
    if (o.hit) r.hits += 1;
    by.set(o.pair.cls, r);
  }
  const rows = [...by.entries()]
    .map(([cls, r]) => ({ cls, n: r.n, hits: r.hits, rate: r.hits / r.n }))
    .sort((a, b) => a.cls.localeCompare(b.cls));
  const tp = outcomes.filter((o) => o.hit && o.pair.same).length;
  const fp = outcomes.filter((o) => o.hit && !o.pair.same).length;
  const sameN = outcomes.filter((o) => o.pair.same).length;
  return {
    rows,
    sameN,
    truePositives: tp,
    falsePositives: fp,
    precision: tp + fp === 0 ? 1 : tp / (tp + fp),
    recall: sameN === 0 ? 0 : tp / sameN,
    verifications: outcomes.filter((o) => o.verified).length,
  };
}

export function evaluate(
  pairs: ReadonlyArray<LabelledPair & { similarity: number }>,
  policy: Policy,
): Summary {
  return summarise(pairs.map((p) => decide(p, policy)));
}
