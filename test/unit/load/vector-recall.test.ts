import { describe, expect, it } from 'vitest';
import { decisionEmbeddingText } from '../../../layers/core/src/decisions/embedding';
import { OfflineEmbeddings } from '../../../layers/core/src/embeddings/offline';
import { cosine } from '../../../layers/core/src/embeddings/vector';
import { type Hit, recallAt, tiedAtBoundary } from '../../../load/recall';
import { vectorDecision, vectorQueries } from '../../../load/vector-corpus';

const hits = (ds: number[], prefix = 'x') => ds.map((d, i) => ({ decision_id: `${prefix}${i}`, d }));

/** The vector recall bench's pieces: recall with ties, and a corpus whose distances rarely tie. */
describe('recallAt', () => {
  const exact = hits([0.1, 0.2, 0.3]);

  it('counts the exact ids found, over min(k, exact)', () => {
    expect(recallAt(3, exact, exact)).toEqual({ byIds: 1, byDistance: 1 });
    const got: Hit[] = [exact[0]!, exact[1]!, { decision_id: 'other', d: 0.9 }];
    expect(recallAt(3, got, exact)).toEqual({ byIds: 2 / 3, byDistance: 2 / 3 });
  });

  it('counts a tie broken the other way as found by distance, not by ids', () => {
    const got: Hit[] = [exact[0]!, exact[1]!, { decision_id: 'twin', d: 0.3 }];
    expect(recallAt(3, got, exact)).toEqual({ byIds: 2 / 3, byDistance: 1 });
  });

  it('looks at the first k results only', () => {
    const got: Hit[] = [{ decision_id: 'far', d: 0.8 }, exact[0]!, exact[1]!, exact[2]!];
    expect(recallAt(3, got, exact).byIds).toBeCloseTo(2 / 3);
  });

  it('is 1 when there is nothing to find', () => {
    expect(recallAt(10, [], [])).toEqual({ byIds: 1, byDistance: 1 });
  });
});

describe('tiedAtBoundary', () => {
  it('is true only when the (k+1)th is as close as the kth', () => {
    expect(tiedAtBoundary(hits([0.1, 0.2, 0.2]), 2)).toBe(true);
    expect(tiedAtBoundary(hits([0.1, 0.2, 0.2000001]), 2)).toBe(false);
    expect(tiedAtBoundary(hits([0.1, 0.2]), 2)).toBe(false);
  });
});

describe('vector corpus', () => {
  it('is deterministic per row and varied', () => {
    expect(vectorDecision(123)).toEqual(vectorDecision(123));
    const rows = Array.from({ length: 2000 }, (_, i) => vectorDecision(i));
    const texts = new Set(rows.map((d) => decisionEmbeddingText(d.query, d.recommendation)));
    expect(texts.size).toBe(rows.length);
    const lengths = rows.map((d) => d.query.split(' ').length);
    expect(Math.min(...lengths)).toBeLessThanOrEqual(8);
    expect(Math.max(...lengths)).toBeGreaterThanOrEqual(25);
  });

  it('gives held-out queries: none is a stored question, paraphrases stay close to their source', () => {
    const rows = 2000;
    const stored = new Set(Array.from({ length: rows }, (_, i) => vectorDecision(i).query));
    const qs = vectorQueries(50, rows);
    expect(qs).toEqual(vectorQueries(50, rows));
    expect(new Set(qs.map((x) => x.kind))).toEqual(new Set(['paraphrase', 'fresh', 'short']));
    for (const x of qs) expect(stored.has(x.q)).toBe(false);

    // a paraphrase is nearer its source decision than any of a hundred others
    const e = new OfflineEmbeddings();
    const para = vectorQueries(1, 1)[0]!; // rows = 1: a paraphrase of decision 0
    expect(para.kind).toBe('paraphrase');
    const q = e.embedOne(para.q);
    const similarity = (i: number) => {
      const d = vectorDecision(i);
      return cosine(q, e.embedOne(decisionEmbeddingText(d.query, d.recommendation)));
    };
    const others = Array.from({ length: 100 }, (_, i) => similarity(i + 1));
    expect(similarity(0)).toBeGreaterThan(Math.max(...others));
  });
});
