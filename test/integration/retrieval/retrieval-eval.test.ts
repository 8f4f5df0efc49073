/**
 * The labelled retrieval set (load/eval/retrieval-set.ts, docs/search.md "Labelled retrieval set"): the
 * default hybrid search (weighted 0.7 / 0.3) must beat both of its halves — the vector half alone and the
 * any-word keyword half alone — on recall@10 and nDCG@10, through the real candidate queries and
 * `searchDecisions` on PGlite + pgvector with the offline embedder.
 */
import { describe, expect, it } from 'vitest';
import { runRetrievalEval } from '../../../load/eval/retrieval-eval';

describe('labelled retrieval set', () => {
  it('the default hybrid beats the vector half and the keyword half on recall@10 and nDCG@10', async () => {
    const { rows, decisions, queries } = await runRetrievalEval();
    expect(decisions).toBeGreaterThanOrEqual(1000);
    expect(queries).toBeGreaterThanOrEqual(50);
    const row = (prefix: string) => {
      const r = rows.find((x) => x.method.startsWith(prefix));
      if (!r) throw new Error(`no row ${prefix}`);
      return r;
    };
    const vector = row('vector only');
    const keyword = row('keyword only, any word');
    const hybrid = row('hybrid, weighted 0.7 / 0.3');
    expect(hybrid.recall10).toBeGreaterThan(vector.recall10);
    expect(hybrid.recall10).toBeGreaterThan(keyword.recall10);
    expect(hybrid.ndcg10).toBeGreaterThan(vector.ndcg10);
    expect(hybrid.ndcg10).toBeGreaterThan(keyword.ndcg10);
    // the any-word keyword half is what lifted search over the old all-words query
    expect(keyword.recall10).toBeGreaterThan(row('keyword only, all words').recall10 + 0.3);
  }, 120_000);
});
