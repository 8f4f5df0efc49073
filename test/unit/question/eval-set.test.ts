/**
 * The labelled question pairs (test/fixtures/question-pairs.json) through the semantic cache's decision
 * (offline embedder similarity + question-frame guard), as `npm run eval` prints them. Precision on the
 * near-misses is a hard line: not one wrong cached answer. Recall is reported, not asserted.
 */
import { describe, expect, it } from 'vitest';
import { OfflineEmbeddings } from '#core/embeddings/offline';
import { evaluate, loadPairs, withSimilarity } from '../../../load/eval/question-eval';

describe('labelled question pairs: the semantic cache decision', () => {
  const embeddings = new OfflineEmbeddings();

  it('has at least 300 pairs over every same-question and near-miss class', () => {
    const pairs = loadPairs();
    expect(pairs.length).toBeGreaterThanOrEqual(300);
    const classes = new Set(pairs.map((p) => p.cls));
    for (const c of ['exact', 'case_punct', 'synonym', 'reorder', 'filler', 'passive']) {
      expect(classes).toContain(`same:${c}`);
    }
    for (const c of [
      'place',
      'number',
      'date',
      'product',
      'team',
      'company',
      'order',
      'opposite',
      'comparison',
      'condition',
      'horizon',
    ]) {
      expect(classes).toContain(`miss:${c}`);
    }
  });

  it('serves no near-miss from the cache (precision 100% in every class), at the default threshold and below', async () => {
    const pairs = await withSimilarity(embeddings, loadPairs());
    for (const threshold of [embeddings.paraphraseThreshold, 0.3]) {
      const s = evaluate(pairs, { guard: 'frame', threshold });
      const wrong = s.rows.filter((r) => r.cls.startsWith('miss:') && r.hits > 0);
      expect(wrong).toEqual([]);
      expect(s.falsePositives).toBe(0);
      console.log(
        `offline embedder, threshold ${threshold}: precision ${(s.precision * 100).toFixed(1)}%, recall ${(s.recall * 100).toFixed(1)}%`,
      );
    }
  });

  it('a verifier that says "same" to everything it is asked still cannot answer a near-miss the guard is sure about', async () => {
    const pairs = await withSimilarity(embeddings, loadPairs());
    const s = evaluate(pairs, { guard: 'frame', threshold: 0.6, verifyFloor: 0.5, verifier: 'always_same' });
    // only "unsure" pairs reach the verifier; everything else is decided by the guard alone
    expect(s.verifications).toBeLessThanOrEqual(10);
  });
});
